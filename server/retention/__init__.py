"""Retention of personal data (PIPL): anonymise old requests, delete accounts on request."""
