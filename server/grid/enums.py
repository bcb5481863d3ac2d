from enum import StrEnum


class Post(StrEnum):
    """A post (岗): A = the grid's 暖心服务团, B = the section's 先锋服务队."""

    A = "A"
    B = "B"
