"""Every public output, scanned for a phone or ID number however it is written.

Residents and members write numbers in many spellings (full-width digits, dots, spaced digits,
zero-width characters, Chinese numerals…). Plant one spelling per script and separator in every
free text that can reach a public face, walk the request to its published end, then read every
public route (HTML, JSON twins, the map, Open311 in JSON and XML) and scan each with
``find_numbers``, which reads digits however they are spelled: none may remain.
"""

from __future__ import annotations

import json
import re

from server.privacy import find_numbers
from tests.security.test_redaction import SCRIPTS, SEPARATORS

MOBILE, ID_NUMBER = "13987654321", "220821199001011234"
PUBLIC_PREFIXES = ("/sunlight", "/api/v1/public", "/open311")
# Times the product itself writes (ISO 8601, HTTP dates): digits in a machine's shape, not a
# resident's; taken out before the scan so that it looks only at everything else.
MACHINE_TIMES = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\b\d{2}:\d{2}(?::\d{2})?(?: GMT)?")


def _spellings() -> list[str]:
    """Each script with each separator, in turn: a mobile or an ID number, every other one."""
    out = []
    for index, separator in enumerate(SEPARATORS):
        script = SCRIPTS[index % len(SCRIPTS)]
        number = MOBILE if index % 2 else ID_NUMBER
        out.append(separator.join(script(d) for d in number))
    return out


def _public_routes(app) -> set[str]:
    return {rule.rule for rule in app.url_map.iter_rules()
            if "GET" in (rule.methods or ()) and rule.rule.startswith(PUBLIC_PREFIXES)}


def test_no_public_output_gives_a_number_back_however_it_was_written(world, app):
    resident, member, committee = (
        world.as_(o) for o in ("demo-resident", "demo-member-a", "demo-committee"))
    spellings = _spellings()
    assert len(spellings) >= 20 and all(find_numbers(s) for s in spellings)  # the scan reads them
    created = []
    for spelled in spellings:
        request = world.submit(public=True, description=f"楼道灯坏了，请联系{spelled}谢谢")
        rid = request["id"]
        assert member.post(f"/api/v1/requests/{rid}/accept").status == 200
        member.post(f"/api/v1/requests/{rid}/progress", {"note": f"已联系，电话{spelled}"})
        member.post(f"/api/v1/requests/{rid}/resolve", {"note": f"已修好，回访{spelled}"})
        committee.post(f"/api/v1/requests/{rid}/approve")
        resident.post(f"/api/v1/requests/{rid}/rate", {
            "resolved": True, "satisfaction": "satisfied", "comment": f"谢谢，我的电话{spelled}"})
        created.append(request)
    cid = world.community.id
    service_ids = [r["service_request_id"]
                   for r in world.client.get("/open311/v2/requests.json").get_json()]
    assert service_ids, "Open311 lists the published requests"
    code = world.client.get("/open311/v2/services.json").get_json()[0]["service_code"]
    paths = {
        "/sunlight/": ["/sunlight/"],
        "/sunlight/communities/<int:community_id>": [f"/sunlight/communities/{cid}"],
        "/sunlight/requests/<no>": [f"/sunlight/requests/{r['no']}" for r in created],
        "/api/v1/public/communities": ["/api/v1/public/communities"],
        "/api/v1/public/communities/<int:community_id>/sunlight":
            [f"/api/v1/public/communities/{cid}/sunlight"],
        "/api/v1/public/communities/<int:community_id>/map.geojson":
            [f"/api/v1/public/communities/{cid}/map.geojson"],
        "/api/v1/public/requests/<no>": [f"/api/v1/public/requests/{r['no']}" for r in created],
        "/sunlight/county": ["/sunlight/county"],
        "/sunlight/streets/<int:street_id>": [f"/sunlight/streets/{world.community.street_id}"],
        "/api/v1/public/county": ["/api/v1/public/county"],
        "/api/v1/public/streets/<int:street_id>":
            [f"/api/v1/public/streets/{world.community.street_id}"],
        "/open311/v2/requests.<any(json, xml):fmt>":
            ["/open311/v2/requests.json", "/open311/v2/requests.xml"],
        "/open311/v2/requests/<service_request_id>.<any(json, xml):fmt>":
            [f"/open311/v2/requests/{s}.{fmt}" for s in service_ids for fmt in ("json", "xml")],
        "/open311/v2/servicerequestupdates.<any(json, xml):fmt>":
            ["/open311/v2/servicerequestupdates.json", "/open311/v2/servicerequestupdates.xml"],
        # Faces with no resident text: read anyway, so that a new field there is scanned too.
        "/open311/v2/discovery.<any(json, xml):fmt>": ["/open311/v2/discovery.json"],
        "/open311/v2/services.<any(json, xml):fmt>": ["/open311/v2/services.json"],
        "/open311/v2/services/<code>.<any(json, xml):fmt>": [f"/open311/v2/services/{code}.json"],
    }
    # Routes that serve no content of their own: an index redirect, tokens, the 404 catch-all.
    no_content = {"/open311/v2/", "/open311/v2/<path:rest>",
                  "/open311/v2/tokens/<token>.<any(json, xml):fmt>"}
    assert _public_routes(app) == set(paths) | no_content, "a new public route must be scanned"
    for rule, urls in paths.items():
        for url in urls:
            response = world.client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            text = response.get_data(as_text=True)
            if response.is_json:
                text += json.dumps(response.get_json(), ensure_ascii=False)
            text = MACHINE_TIMES.sub(" ", text)
            found = [text[a:b] for a, b in find_numbers(text)]
            assert not found, f"{url} ({rule}) gives back {found}"
