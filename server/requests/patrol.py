"""Patrol reports (巡查上报): a member on duty reports a problem found on patrol.

A patrol report is a request of channel ``patrol`` with no resident: the same validation,
photos and place as a resident's submission (``service.submit``), dispatched to the reporter's
own team, optionally accepted by the reporter at once, then the normal life through the one
state machine (``server.requests.workflow``). Figures count it apart from residents' requests
(``server.sunlight.figures``) and public pages do not show it (docs/cards.md).
"""

from __future__ import annotations

from datetime import datetime

from server.accounts.enums import Role
from server.accounts.models import User
from server.errors import Forbidden
from server.extensions import db
from server.requests import service
from server.requests.enums import PATROL, Action
from server.requests.models import Request


def report(*, reporter: User, now: datetime, accept_now: bool = False, **fields) -> Request:
    """File a patrol report; with ``accept_now`` the reporter takes it in the same step."""
    if Role.MEMBER not in reporter.roles:
        raise Forbidden("只有服务队成员可以巡查上报")
    request = service.submit(resident=None, reporter=reporter, channel=PATROL, public=False,
                             now=now, commit=False, announce=not accept_now, **fields)
    if accept_now:
        return service.act(request_id=request.id, action=Action.ACCEPT, actor=reporter, now=now)
    db.session.commit()
    return request
