"""Warning cards (亮牌): the admin's rules, the cards a member, a committee or an admin may
see, appeals (申诉) and their decisions. Cards are issued by the weekly job (server.cards.jobs)."""

from __future__ import annotations

from flask_jwt_extended import current_user

from mini_program_api.schemas import cards as schemas
from server import clock
from server.cards import service
from server.cards.models import Card
from server.http import Blueprint, bounded_id, keyset_page, login_required, page_schema

blp = Blueprint("cards", __name__, url_prefix="/api/v1", description="亮牌 Warning cards")


@blp.get("/admin/card-rules")
@login_required(blp)
@blp.response(200, schemas.RuleListOut)
@blp.errors(403)
def list_rules():
    """Every warning rule, retired ones included (admin)."""
    return {"items": service.list_rules(user=current_user)}


@blp.post("/admin/card-rules")
@login_required(blp)
@blp.arguments(schemas.RuleIn)
@blp.response(201, schemas.RuleOut)
@blp.errors(403, 422)
def create_rule(body):
    """A new warning rule of an existing kind, with its thresholds (admin; audited)."""
    return service.create_rule(user=current_user, now=clock.now(), **body)


@blp.patch("/admin/card-rules/<int:rule_id>")
@login_required(blp)
@blp.arguments(schemas.RulePatch)
@blp.response(200, schemas.RuleOut)
@blp.errors(403, 404, 409, 422)
def edit_rule(body, rule_id: int):
    """Change a rule's name, thresholds, window, colour, expiry or publicity; its kind and
    level stay (admin; audited)."""
    return service.edit_rule(user=current_user, rule_id=bounded_id(rule_id), now=clock.now(), **body)


@blp.post("/admin/card-rules/<int:rule_id>/retire")
@login_required(blp)
@blp.response(200, schemas.RuleOut)
@blp.errors(403, 404, 409)
def retire_rule(rule_id: int):
    """Retire a rule: it issues no more cards; its cards stay until they expire (admin)."""
    return service.retire_rule(user=current_user, rule_id=bounded_id(rule_id), now=clock.now())


@blp.get("/cards")
@login_required(blp)
@blp.arguments(schemas.CardsArgs, location="query")
@blp.response(200, page_schema(schemas.CardOut))
@blp.errors(422)
def list_cards(args):
    """The cards the caller may see, newest first: a member their own and their teams'; a
    committee its community's; street staff their communities'; the county and admin all."""
    now = clock.now() if args["standing"] else None
    return keyset_page(service.cards_query(user=current_user, standing_at=now), Card.id, args)


@blp.get("/cards/<int:card_id>")
@login_required(blp)
@blp.response(200, schemas.CardOut)
@blp.errors(404)
def get_card(card_id: int):
    """One card, to those who may see it (404 to anyone else)."""
    return service.get_visible(card_id=bounded_id(card_id), user=current_user)


@blp.post("/cards/<int:card_id>/appeal")
@login_required(blp)
@blp.arguments(schemas.AppealIn)
@blp.response(200, schemas.CardOut)
@blp.errors(403, 404, 409, 422)
def appeal_card(body, card_id: int):
    """The holder appeals a standing card once, with a reason (申诉); its supervisors are told."""
    return service.appeal(card_id=bounded_id(card_id), user=current_user, now=clock.now(), **body)


@blp.post("/cards/<int:card_id>/decision")
@login_required(blp)
@blp.arguments(schemas.DecisionIn)
@blp.response(200, schemas.CardOut)
@blp.errors(403, 404, 409, 422)
def decide_card(body, card_id: int):
    """Decide an appeal: ``uphold`` or ``revoke``, with a reason (the committee for a team's or a
    member's card; the street or the county for a community's); audited, the holder told."""
    return service.decide(card_id=bounded_id(card_id), user=current_user, now=clock.now(),
                          uphold=body["decision"] == "uphold", reason=body["reason"])
