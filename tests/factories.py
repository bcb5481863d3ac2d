"""Plain functions that build test data through the product's own services."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from PIL import Image
from sqlalchemy import select

from seed.loader import load_demo
from server.accounts.models import User
from server.extensions import db
from server.grid.models import Community, Section, Team


@dataclass
class Response:
    status: int
    body: dict
    headers: dict = field(default_factory=dict)

    @property
    def data(self):
        return self.body.get("data")

    @property
    def code(self):
        return self.body.get("code")


class Api:
    """Calls the API like the mini-program does: JSON in, envelope out."""

    def __init__(self, client, token: str | None = None):
        self.client = client
        self.token = token

    def call(self, method: str, path: str, json=None, headers=None, **kwargs) -> Response:
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        response = self.client.open(path, method=method, json=json, headers=headers, **kwargs)
        body = response.get_json(silent=True)
        assert body is not None, f"{method} {path} answered {response.status_code} without JSON"
        return Response(response.status_code, body, dict(response.headers))

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.call("POST", path, json=json, **kw)


@dataclass
class World:
    app: object
    clock: object
    client: object
    users: dict
    community: Community
    other_community: Community
    section: Section
    team_a: Team
    team_b: Team
    tokens: dict = field(default_factory=dict)

    @classmethod
    def load(cls, app, clock) -> World:
        load_demo(clock.now())
        users = {u.openid: u for u in db.session.scalars(select(User))}
        communities = list(db.session.scalars(select(Community).order_by(Community.id)))
        section = communities[0].grids[0].sections[0]
        team_a = db.session.scalar(select(Team).where(Team.grid_id == section.grid_id))
        team_b = db.session.scalar(select(Team).where(Team.section_id == section.id))
        return cls(app, clock, app.test_client(), users, communities[0], communities[1],
                   section, team_a, team_b)

    def with_other_committee(self) -> World:
        """Adds ``js-committee``: the committee of the other community (for "another X" cells)."""
        from seed.loader import load_accounts

        places = {self.other_community.code: self.other_community}
        load_accounts([{"openid": "js-committee", "roles": ["resident", "committee"],
                        "committee_of": [self.other_community.code]}], places, self.clock.now())
        db.session.commit()
        return self

    def user(self, openid: str) -> User:
        return self.users[openid]

    def as_(self, openid: str | None) -> Api:
        """An API client logged in as ``openid`` through the (fake) WeChat login."""
        if openid is None:
            return Api(self.client)
        if openid not in self.tokens:
            response = Api(self.client).post("/api/v1/auth/wechat-login", {"code": f"dev-{openid}"})
            assert response.status == 200, response.body
            self.tokens[openid] = response.data["access_token"]
            self.users.setdefault(openid, db.session.get(User, response.data["user"]["id"]))
        return Api(self.client, self.tokens[openid])

    def submit(self, openid: str = "demo-resident", **overrides) -> dict:
        body = {"category_code": "sanitation", "description": "楼道里堆满了杂物，影响通行",
                "section_id": self.section.id, "address": "幸福小区3号楼2单元501", **overrides}
        response = self.as_(openid).post("/api/v1/requests", body)
        assert response.status == 201, response.body
        return response.data


def reread(user: User) -> User:
    """``user`` and their grants read again from the database, as the next request's token check
    reads them: what a role check answers for them from now on."""
    db.session.expire_all()
    return db.session.get(User, user.id)


def image_bytes(fmt: str = "JPEG", size=(64, 48), exif: bytes | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def upload(api, fmt: str = "JPEG") -> dict:
    """Upload a small image as ``api``'s user; the stored photo's answer (id, url, …)."""
    response = api.call("POST", "/api/v1/uploads",
                        data={"file": (io.BytesIO(image_bytes(fmt)), "p.jpg")},
                        content_type="multipart/form-data")
    assert response.status == 201, response.body
    return response.data


def pass_content_checks(world, fake_state) -> None:
    """Run the content-check job and let WeChat pass every photo through its signed callback,
    as the real flow does, so that photos become publishable."""
    import hashlib

    from server.jobs import all_jobs

    all_jobs()["wechat.content_checks"].func(world.clock.now())
    token, timestamp, nonce = world.app.config["WECHAT_PUSH_TOKEN"], "1700000000", "n0nce"
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    for trace_id in list(fake_state.media_checks):
        event = fake_state.media_event(trace_id, "pass", appid=world.app.config["WECHAT_APPID"])
        response = world.client.post(
            f"/wechat/push?signature={signature}&timestamp={timestamp}&nonce={nonce}", json=event)
        assert response.status_code == 200
    db.session.expire_all()


def close_request(world, request_id: int) -> None:
    """Accept, resolve and approve a request through the API (member A, then the committee)."""
    member = world.as_("demo-member-a")
    for path, body in (("accept", None), ("resolve", {"note": "已处理"})):
        response = member.post(f"/api/v1/requests/{request_id}/{path}", body)
        assert response.status == 200, response.body
    response = world.as_("demo-committee").post(f"/api/v1/requests/{request_id}/approve")
    assert response.status == 200 and response.data["status"] == "closed", response.body
