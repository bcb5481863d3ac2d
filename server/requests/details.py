"""A request's detail (what its owner, team, handler and committee read) from rows: the request
with its category, then its timeline, photos, ratings and whistles, one statement each, all
built once at import.

Loading the ORM object with its four collections cost most of the detail's time (identity map,
loader strategies, a statement and its cache key built per collection); the rows carry the same
values. ``RequestOut`` still shapes the answer, so the documented schema stays the one
definition: ``view`` gives it (and the authorization in ``service.relations``) an object with
the attributes of a ``Request``. ``tests/requests/test_details.py`` proves the dump equal to that
of the ORM object for requests in every state.
"""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import bindparam, select

from server.catalogue.models import Category
from server.duty.models import Department
from server.extensions import db
from server.requests.models import Event, EventNote, Photo, Rating, Request, Whistle

_ID = bindparam("id")

_REQUEST = (
    select(*Request.__table__.c, Category.code.label("category_code"),
           Category.name.label("category_name"),
           Category.dispatch_order.label("category_dispatch_order"))
    .join(Category, Category.id == Request.category_id).where(Request.id == _ID)
)
_EVENTS = (
    select(Event.id, Event.action, Event.actor_role, Event.actor_id, Event.from_status,
           Event.to_status, Event.data, Event.created_at, EventNote.text.label("note"))
    .outerjoin(EventNote, EventNote.event_id == Event.id)
    .where(Event.request_id == _ID).order_by(Event.id)
)
_PHOTOS = (select(Photo.id, Photo.filename, Photo.width, Photo.height, Photo.moderation)
           .where(Photo.request_id == _ID).order_by(Photo.id))
_RATINGS = (select(Rating.cycle, Rating.resolved, Rating.satisfaction, Rating.comment,
                   Rating.created_at).where(Rating.request_id == _ID).order_by(Rating.cycle))
_WHISTLES = (
    select(Whistle.id, Whistle.note, Whistle.deadline, Whistle.created_at, Whistle.reported_at,
           Whistle.report_note, Whistle.responded_at, Whistle.response,
           Department.id.label("department_id"), Department.code.label("department_code"),
           Department.name.label("department_name"),
           Department.response_hours.label("department_response_hours"))
    .join(Department, Department.id == Whistle.department_id)
    .where(Whistle.request_id == _ID).order_by(Whistle.id)
)


def view(request_id: int) -> SimpleNamespace | None:
    """The request ``request_id`` as an object with a ``Request``'s columns, its ``category``
    (code, name, dispatch order) and its ``events``, ``photos``, ``ratings`` and ``whistles``
    (each whistle with its ``department``); None when there is no such request."""
    connection = db.session.connection()
    params = {"id": request_id}
    row = connection.execute(_REQUEST, params).first()
    if row is None:
        return None
    values = row._asdict()
    category = SimpleNamespace(code=values.pop("category_code"), name=values.pop("category_name"),
                               dispatch_order=values.pop("category_dispatch_order"))
    whistles = []
    for w in connection.execute(_WHISTLES, params):
        fields = w._asdict()
        fields["department"] = SimpleNamespace(
            id=fields.pop("department_id"), code=fields.pop("department_code"),
            name=fields.pop("department_name"),
            response_hours=fields.pop("department_response_hours"))
        whistles.append(SimpleNamespace(**fields))
    return SimpleNamespace(
        **values, category=category, whistles=whistles,
        events=list(connection.execute(_EVENTS, params)),
        photos=list(connection.execute(_PHOTOS, params)),
        ratings=list(connection.execute(_RATINGS, params)),
    )
