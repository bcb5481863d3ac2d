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


# Stable error codes of this domain (the HTTP status times 100 plus a number).
CODES = {
    40950: "已有待审核或已通过的报到 (a pending or approved registration exists here)",
    40951: "报到申请不是待审核状态 (registration is not pending)",
    40952: "该片区尚未设立先锋服务队 (the section has no B-post team)",
    40953: "活动名额已满 (activity full)",
    40954: "活动已开始 (activity already started: no sign-up or withdrawal)",
    40955: "已报名该活动 (already signed up)",
    40956: "活动尚未开始，不能确认出勤 (attendance before the activity starts)",
    40957: "未报名该活动 (not signed up)",
    40958: "报到未通过，不能评议 (evaluation of a registration never approved)",
    40959: "报到已结束或未通过 (registration already ended or rejected)",
    40960: "活动已取消 (activity cancelled)",
    40961: "活动已确认出勤，不能取消 (attendance already confirmed: cannot cancel)",
    42252: "名额不能少于已报名人数 (capacity below the seats taken)",
    42253: "委员会结束报到须填写原因 (the committee ends a registration with a reason)",
    42250: "需要手机号 (no phone bound and none typed)",
    42251: "名单中有未报名的成员 (attendance for people not signed up)",
}
