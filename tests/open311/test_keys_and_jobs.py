"""Operators' key commands, and the anonymisation of requesters' contacts."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.jobs import all_jobs
from server.open311.models import ApiKey, Requester
from tests.open311.conftest import form


def _run(ctx, *args):
    result = ctx.test_cli_runner().invoke(args=["open311", "keys", *args])
    return result.exit_code, result.output


def test_create_prints_the_key_last_and_stores_only_its_hash(ctx, world, o311):
    code, output = _run(ctx, "create", "hotline12345")
    assert code == 0
    key = output.split()[-1]
    assert key.startswith("o311_") and len(key) > 40
    row = db.session.scalar(select(ApiKey))
    assert row.name == "hotline12345" and key not in (row.key_hash, row.prefix)
    assert key.startswith(row.prefix)
    status, _answer, _ = o311.post("requests", "json", form(key, world))
    assert status == 201


def test_list_and_revoke(ctx, world, o311):
    key = _run(ctx, "create", "civic-app")[1].split()[-1]
    _run(ctx, "create", "other", "--tokens")
    code, listing = _run(ctx, "list")
    assert code == 0 and "civic-app" in listing and "active" in listing and "tokens" in listing
    assert key not in listing
    row = db.session.scalar(select(ApiKey).where(ApiKey.name == "civic-app"))
    code, output = _run(ctx, "revoke", str(row.id))
    assert code == 0 and "revoked" in output
    assert "revoked" in _run(ctx, "list")[1]
    status, errors, _ = o311.post("requests", "json", form(key, world))
    assert status == 403 and errors[0]["code"] == 403


def test_bad_names_and_unknown_keys_are_refused(ctx, world):
    code, output = _run(ctx, "create", "a name with spaces")
    assert code != 0 and "NAME" in output
    code, output = _run(ctx, "create", "x" * 25)
    assert code != 0
    code, output = _run(ctx, "revoke", "999")
    assert code != 0 and "不存在" in output
    assert db.session.scalar(select(ApiKey)) is None


def test_contacts_are_anonymised_after_the_retention_period(ctx, world, o311, api_key, clock):
    _s, answer, _ = o311.post("requests", "json", form(api_key, world, phone="13812345678",
                                                        first_name="三丰"))
    job = all_jobs()["open311.anonymise_requesters"]
    from server.requests.models import Request

    rid = db.session.scalar(select(Request.id).where(
        Request.no == answer[0]["service_request_id"]))
    assert world.as_("demo-committee").post(f"/api/v1/requests/{rid}/reject",
                                            {"reason": "重复诉求"}).status == 200
    days = ctx.config["OPEN311_CONTACT_RETENTION_DAYS"]
    clock.advance(days=days - 1)
    assert job.func(clock.now()) == "0 requester(s) anonymised"
    assert db.session.scalar(select(Requester.phone)) == "13812345678"
    clock.advance(days=2)
    assert job.func(clock.now()) == "1 requester(s) anonymised"
    requester = db.session.scalar(select(Requester))
    db.session.refresh(requester)
    assert (requester.phone, requester.first_name) == (None, None)
    assert requester.anonymised_at == clock.now()
    assert job.func(clock.now()) == "0 requester(s) anonymised"  # idempotent


def test_open_requests_keep_their_contacts(ctx, world, o311, api_key, clock):
    o311.post("requests", "json", form(api_key, world, phone="13812345678"))
    clock.advance(days=1000)
    all_jobs()["open311.anonymise_requesters"].func(clock.now())
    assert db.session.scalar(select(Requester.phone)) == "13812345678"
