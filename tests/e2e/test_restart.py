"""The server stops and starts again mid-meeting (a deploy, a crash and restart).
Every browser says plainly that the connection dropped, reconnects by itself
without a reload, and shows what changed meanwhile (the server's snapshot), with
nothing lost and nothing twice."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.people import (
    LOST, RECONNECTED, a_live_meeting, ask, check_accessible, ids_are_unique, join, no_console_errors,
    open_browser, question,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

RECONNECT_WAIT = 45_000  # the htmx socket retries with growing, jittered waits


def test_browsers_recover_by_themselves_after_a_server_restart(chromium, own_server):
    server = own_server
    fran, meeting_id, link = a_live_meeting(chromium, server, "Winter meeting")
    ana = open_browser(chromium, server, "Ana")
    join(ana, link, "Lay member or patient", in_room=True)
    bo = open_browser(chromium, server, "Bo")
    join(bo, link, "Commissioner", in_room=False)
    everyone = [fran, ana, bo]
    before = "Who decides which services get the new funding?"
    ask(ana, before)
    for person in everyone:
        expect(question(person, before)).to_have_count(1)
        expect(person.page.locator("#presence li[id^=person-]")).to_have_count(3)
        person.page.evaluate("() => { window.sameDocument = 'yes'; }")  # gone if the page reloads

    no_console_errors(everyone)
    server.stop()  # SIGTERM, as systemd or a deploy would
    for person in everyone:
        expect(person.connection).to_have_text(LOST)

    # Ana and Bo stay cut off for a moment after the server is back (a slow link):
    # what changes meanwhile can only reach them through the snapshot on reconnect.
    for person in (ana, bo):
        person.page.context.set_offline(True)
    server.start()  # same port, same database
    expect(fran.connection).to_have_text(RECONNECTED, timeout=RECONNECT_WAIT)
    token = fran.page.locator("input[name=csrf_token]").first.input_value()
    meanwhile = "Can commissioners join the next breakout round?"
    response = fran.page.context.request.post(  # a plain form post
        f"/meetings/{meeting_id}/questions", max_redirects=0,
        form={"csrf_token": token, "body": meanwhile, "attribution": "anonymous"})
    assert response.status == 303, response.text()
    expect(question(fran, meanwhile)).to_have_count(1)
    for person in (ana, bo):
        expect(person.connection).to_have_text(LOST)
        expect(question(person, meanwhile)).to_have_count(0)
        person.page.context.set_offline(False)

    for person in everyone:
        expect(person.connection).to_have_text(RECONNECTED, timeout=RECONNECT_WAIT)
        expect(question(person, meanwhile)).to_have_count(1)
        expect(question(person, before)).to_have_count(1)
        expect(person.page.locator("#questions li.question")).to_have_count(2)
        ids_are_unique(person.page, "#questions li.question")
        expect(person.page.locator("#presence li[id^=person-]")).to_have_count(3)
        ids_are_unique(person.page, "#presence li[id^=person-]")
        assert person.page.evaluate("() => window.sameDocument") == "yes", f"{person.name}'s page was reloaded"
        # While the server was down the browser reported each refused socket (and
        # htmx each socket error) in the console: expected, so start afresh.
        person.console_errors.clear()

    # And live updates flow again.
    question(fran, meanwhile).get_by_role("button", name=re.compile("^Pin to top")).click()
    for person in (ana, bo):
        expect(person.page.locator("#questions .pinned-list")).to_contain_text(meanwhile)
        ids_are_unique(person.page, "#questions li.question")
    check_accessible(everyone, "after the server restarted")
    no_console_errors(everyone)
