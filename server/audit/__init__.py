"""The audit trail (留痕) of committee and admin actions: who changed what, and when. Every
domain that acts on behalf of the committee or an admin writes here; the administration reads it."""
