from enum import StrEnum


class Role(StrEnum):
    RESIDENT = "resident"
    MEMBER = "member"
    COMMITTEE = "committee"
    ADMIN = "admin"
