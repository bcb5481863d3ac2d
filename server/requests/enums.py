from enum import StrEnum


class Status(StrEnum):
    DISPATCHED = "dispatched"  # waiting for a member of the current team to accept (待接单)
    ACCEPTED = "accepted"  # a member took it (已接单)
    IN_PROGRESS = "in_progress"  # work under way (办理中)
    RESOLVED = "resolved"  # the handler says done; awaiting the committee's review (待审核)
    REFERRED = "referred"  # whistle blown to a department (吹哨)
    CLOSED = "closed"  # review passed (已办结)
    REJECTED = "rejected"  # invalid request, closed with a reason (已驳回)
    CANCELLED = "cancelled"  # withdrawn by the resident (已撤回)
    MERGED = "merged"  # closed as a duplicate of another request (已合并)


OPEN_STATUSES = (
    Status.DISPATCHED,
    Status.ACCEPTED,
    Status.IN_PROGRESS,
    Status.RESOLVED,
    Status.REFERRED,
)

STATUS_LABELS = {
    Status.DISPATCHED: "待接单",
    Status.ACCEPTED: "已接单",
    Status.IN_PROGRESS: "办理中",
    Status.RESOLVED: "待审核",
    Status.REFERRED: "已吹哨",
    Status.CLOSED: "已办结",
    Status.REJECTED: "已驳回",
    Status.CANCELLED: "已撤回",
    Status.MERGED: "已合并",
}


class Action(StrEnum):
    SUBMIT = "submit"
    ESCALATE_HOP = "escalate_hop"  # system: moves unaccepted work to the next hop
    REROUTE = "reroute"  # system: its section moved to another grid; unaccepted work follows
    ACCEPT = "accept"
    CANCEL = "cancel"
    PROGRESS = "progress"
    RESOLVE = "resolve"
    APPROVE = "approve"
    RETURN = "return"
    ASSIGN = "assign"
    REJECT = "reject"
    ESCALATE = "escalate"  # committee blows the whistle to a department
    REPORT_BACK = "report_back"  # the department reported for duty (报到), as the committee records
    RATE = "rate"
    REOPEN = "reopen"
    MODERATE = "moderate"  # committee clears content held by content security
    INSTRUCT = "instruct"  # the street pushes a request back down to the committee, with an instruction
    MERGE = "merge"  # committee closes a duplicate into its original (合并)
    ABSORB = "absorb"  # the original's side of a merge: a duplicate was merged into it
    RELEASE = "release"  # system: its handler no longer serves in the community; to the committee


# The channel of a report a member files on patrol (巡查上报): it has no resident, goes to the
# reporter's own team, is counted apart from residents' requests and is not public.
PATROL = "patrol"
# The channel of a top-down task (任务列单) a community's committee put a named team or member on
# (责任上单): counted apart from residents' requests; public only when the task is (成绩晒单).
TASK = "task"
NOT_FROM_RESIDENTS = (PATROL, TASK)


class Hop(StrEnum):
    A = "A"
    B = "B"
    COMMITTEE = "committee"
    STREET = "street"  # the committee let its deadline pass: the street supervises (督办)


# The hops a category's dispatch order may name (the street is reached only past the committee).
DISPATCH_HOPS = (Hop.A, Hop.B, Hop.COMMITTEE)


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"


class Relation(StrEnum):
    """How the acting user stands to one request; the state table speaks in these."""

    OWNER = "owner"
    TEAM = "team"  # member of the team it is dispatched to
    HANDLER = "handler"
    COMMITTEE = "committee"  # committee of the request's community
    STREET = "street"  # staff of the street the request's community belongs to
    COUNTY = "county"  # the county centre
    SYSTEM = "system"
