from enum import StrEnum


class Role(StrEnum):
    RESIDENT = "resident"
    MEMBER = "member"
    COMMITTEE = "committee"
    ADMIN = "admin"
    STREET = "street"  # staff of one street (街道/乡镇): its communities, read and supervise
    COUNTY = "county"  # the county centre (城乡治理服务中心): every street, read and supervise
