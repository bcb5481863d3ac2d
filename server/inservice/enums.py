from enum import StrEnum


class RegistrationStatus(StrEnum):
    PENDING = "pending"  # waiting for the committee (待审核)
    APPROVED = "approved"  # serving on the B post of their section (已报到)
    REJECTED = "rejected"  # refused with a reason (未通过)
    ENDED = "ended"  # ended by the member or the committee, or superseded elsewhere (已结束)


LIVE_STATUSES = (RegistrationStatus.PENDING, RegistrationStatus.APPROVED)

REGISTRATION_LABELS = {
    RegistrationStatus.PENDING: "待审核",
    RegistrationStatus.APPROVED: "已报到",
    RegistrationStatus.REJECTED: "未通过",
    RegistrationStatus.ENDED: "已结束",
}


class Grade(StrEnum):
    """The committee's yearly evaluation of an in-service member."""

    EXCELLENT = "excellent"
    QUALIFIED = "qualified"
    BASICALLY_QUALIFIED = "basically_qualified"
    UNQUALIFIED = "unqualified"


GRADE_LABELS = {
    Grade.EXCELLENT: "优秀",
    Grade.QUALIFIED: "合格",
    Grade.BASICALLY_QUALIFIED: "基本合格",
    Grade.UNQUALIFIED: "不合格",
}


class SignupStatus(StrEnum):
    SIGNED_UP = "signed_up"
    WITHDRAWN = "withdrawn"

