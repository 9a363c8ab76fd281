"""Organisers create communities with roles and a time zone, and decide who facilitates."""

import re

import pytest

from tests.helpers import create_community, create_meeting, join_code, sign_up, text_of

DEFAULT_LABELS = [
    "Lay member or patient", "Carer", "Clinician", "GP", "Commissioner", "Service manager",
    "Academic or researcher", "Facilitator", "Other",
]


def role_choices(browser, code: str) -> list[tuple[str, str]]:
    """The roles a person joining the meeting can pick: (slug, label)."""
    page = browser.get(f"/j/{code}").text
    select = re.search(r'<select id="role".*?</select>', page, re.S).group(0)
    return [(slug, label) for slug, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select) if slug]


def test_a_community_offers_the_default_roles(browser, new_browser):
    sign_up(browser)
    community_id = create_community(browser)
    code = join_code(browser, create_meeting(browser, community_id))
    choices = role_choices(new_browser(), code)
    assert [label for _, label in choices] == DEFAULT_LABELS
    assert [slug for slug, _ in choices] == [
        "lay", "carer", "clinician", "gp", "commissioner", "manager", "academic", "facilitator", "other"]


def test_extra_roles_are_added_before_other_without_duplicates(browser, new_browser):
    sign_up(browser)
    community_id = create_community(browser, extra_roles="Pharmacist\n  Public   health \n\nclinician\nPharmacist")
    code = join_code(browser, create_meeting(browser, community_id))
    choices = role_choices(new_browser(), code)
    assert [label for _, label in choices] == DEFAULT_LABELS[:-1] + ["Pharmacist", "Public health", "Other"]
    assert ("public-health", "Public health") in choices


def test_blank_lines_between_extra_roles_do_not_count(browser, new_browser):
    sign_up(browser)
    community_id = create_community(browser, extra_roles="\n\n".join(f"Role {i}" for i in range(20)))
    code = join_code(browser, create_meeting(browser, community_id))
    assert len(role_choices(new_browser(), code)) == len(DEFAULT_LABELS) + 20


def test_the_community_page_shows_name_purpose_and_time_zone(browser):
    sign_up(browser)
    community_id = create_community(browser, "Back Pain CoP", purpose="Evidence <into> practice",
                                    timezone="Europe/Dublin")
    response = browser.get(f"/communities/{community_id}")
    assert response.status_code == 200
    page = text_of(response.text)
    assert "Back Pain CoP" in page
    assert "Evidence <into> practice" in page and "&lt;into&gt;" in response.text
    assert "Times are shown in Europe/Dublin." in page
    assert "Fran Facilitator organiser" in page


@pytest.mark.parametrize("timezone", ["Mars/Olympus_Mons", "../../etc/passwd", "Europe/London\x00"])
def test_an_unknown_time_zone_is_refused_with_a_clear_message(browser, timezone):
    sign_up(browser)
    browser.get("/communities/new")
    response = browser.post("/communities", {"name": "MSK CoP", "purpose": "", "timezone": timezone})
    assert response.status_code == 422
    assert "Choose a time zone from the list, such as Europe/London" in text_of(response.text)
    assert 'value="MSK CoP"' in response.text  # what they typed is kept
    assert "MSK CoP" not in text_of(browser.get("/").text)  # nothing was created


@pytest.mark.parametrize("data, message", [
    ({"name": "   "}, "Give the community a name"),
    ({"name": "n" * 121}, "Please keep this under 120 characters."),
    ({"purpose": "p" * 2001}, "Please keep this under 2000 characters."),
    ({"extra_roles": "---"}, "Each extra role needs at least one letter or number"),
    ({"timezone": "x" * 65}, "Please keep this under 64 characters."),
    ({"extra_roles": "\n".join(f"Role {i}" for i in range(21))}, "Please keep this to 20 lines or fewer."),
])
def test_community_form_limits(browser, data, message):
    sign_up(browser)
    browser.get("/communities/new")
    response = browser.post("/communities", {"name": "MSK CoP", "purpose": "", "timezone": "Europe/London", **data})
    assert response.status_code == 422
    assert message in text_of(response.text)


def test_another_organiser_cannot_see_the_community(browser, new_browser):
    sign_up(browser)
    community_id = create_community(browser, "Private CoP")
    other = new_browser()
    sign_up(other, email="olly@example.org", name="Olly Other")
    response = other.get(f"/communities/{community_id}")
    assert response.status_code == 404
    assert "There is no such community, or you are not a member of it." in text_of(response.text)
    assert "Private CoP" not in response.text
    assert "Private CoP" not in other.get("/").text
    # ... nor plan a meeting in it.
    other.get("/")
    response = other.post(f"/communities/{community_id}/meetings", {"title": "Sneaky", "agenda": ""})
    assert response.status_code == 404
    assert "Sneaky" not in browser.get(f"/communities/{community_id}").text


def test_an_unknown_community_is_a_404_page(browser):
    sign_up(browser)
    response = browser.get("/communities/999999")
    assert response.status_code == 404
    assert "There is no such community" in text_of(response.text)


def add_member(organiser, community_id: int, email: str, permission: str = "facilitator"):
    organiser.get(f"/communities/{community_id}")
    return organiser.post(f"/communities/{community_id}/members", {"email": email, "permission": permission})


def test_an_organiser_adds_a_facilitator_who_can_then_plan_meetings(browser, new_browser):
    sign_up(browser)
    community_id = create_community(browser, "MSK CoP")
    fay = new_browser()
    sign_up(fay, email="fay@example.org", name="Fay Facilitator")

    response = add_member(browser, community_id, " FAY@example.org ")
    assert response.status_code == 303
    assert "Fay Facilitator facilitator" in text_of(browser.get(f"/communities/{community_id}").text)

    assert "MSK CoP facilitator" in text_of(fay.get("/").text)
    page = fay.get(f"/communities/{community_id}")
    assert page.status_code == 200
    assert "Plan a meeting" in page.text
    assert "API keys" not in page.text and "Add someone" not in page.text  # organiser-only parts are hidden
    meeting_id = create_meeting(fay, community_id, "Fay's meeting")
    assert "Fay's meeting" in text_of(browser.get(f"/communities/{community_id}").text)
    assert fay.get(f"/meetings/{meeting_id}").status_code == 200

    again = add_member(browser, community_id, "fay@example.org")
    assert again.status_code == 409
    assert "That person is already in this community." in text_of(again.text)


def test_adding_an_unknown_email_says_they_need_to_sign_up(browser):
    sign_up(browser)
    community_id = create_community(browser)
    response = add_member(browser, community_id, "nobody@example.org")
    assert response.status_code == 404
    assert "Nobody has a Roundtable account with that email yet. Ask them to sign up first." in text_of(response.text)


def test_an_unknown_permission_is_refused(browser, new_browser):
    sign_up(browser)
    community_id = create_community(browser)
    sign_up(new_browser(), email="fay@example.org", name="Fay")
    response = add_member(browser, community_id, "fay@example.org", permission="owner")
    assert response.status_code == 422
    assert "Fay" not in text_of(browser.get(f"/communities/{community_id}").text).split("Organisers and facilitators")[1]


def test_a_facilitator_cannot_add_members_or_create_api_keys(browser, new_browser):
    sign_up(browser)
    community_id = create_community(browser)
    fay = new_browser()
    sign_up(fay, email="fay@example.org", name="Fay Facilitator")
    sign_up(new_browser(), email="sam@example.org", name="Sam Someone")
    assert add_member(browser, community_id, "fay@example.org").status_code == 303

    response = add_member(fay, community_id, "sam@example.org", permission="organiser")
    assert response.status_code == 403
    assert "Only the community's organisers" in text_of(response.text)
    response = fay.post(f"/communities/{community_id}/api-keys", {"name": "Fay's tool", "access": "read write"})
    assert response.status_code == 403
    assert "rtk_" not in response.text

    page = text_of(browser.get(f"/communities/{community_id}").text)
    assert "Sam Someone" not in page
    assert "Fay's tool" not in page


def test_an_outsider_cannot_add_members_or_create_api_keys(browser, new_browser):
    sign_up(browser)
    community_id = create_community(browser)
    olly = new_browser()
    sign_up(olly, email="olly@example.org", name="Olly Outsider")
    assert add_member(olly, community_id, "olly@example.org", permission="organiser").status_code == 404
    olly.get("/")
    response = olly.post(f"/communities/{community_id}/api-keys", {"name": "Olly's tool"})
    assert response.status_code == 404 and "rtk_" not in response.text
    assert olly.get(f"/communities/{community_id}").status_code == 404


def test_control_characters_are_dropped_or_refused_never_a_500(browser, new_browser):
    sign_up(browser)
    community_id = create_community(browser, "MSK\x00 CoP", purpose="For\x00 everyone\nin the region")
    page = browser.get(f"/communities/{community_id}")
    assert "MSK CoP" in text_of(page.text) and "For everyone in the region" in text_of(page.text)
    response = add_member(browser, community_id, "fay\x00@example.org")
    assert response.status_code == 422
    assert "Enter an email address like name@example.org" in text_of(response.text)
