"""In-service party members (在职党员回社区报到): registration, service activities, the record
of their service and the yearly report back to their work unit."""
