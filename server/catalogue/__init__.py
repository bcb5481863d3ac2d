"""Request categories and their deadlines."""
