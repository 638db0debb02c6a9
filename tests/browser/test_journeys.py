"""End-to-end journeys in a real browser: a requester finds a model, checks whether the team may use it and
requests it; a reviewer approves with a condition; the requester's dashboard shows the entitlement; a member of
another team cannot open the request."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from governance.choices import EntitlementStatus, RequestStatus
from governance.models import ApprovalRequest, Entitlement
from tests.browser.conftest import screenshot
from tests.browser.world import PASSWORD, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str) -> None:
    """Sign in with the keyboard only: type, Tab to the password, Enter to submit."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").focus()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def find_model(page, world) -> None:
    page.get_by_role("link", name="Catalog", exact=True).click()
    page.get_by_label("Search models").fill("claude")
    page.get_by_label("Search models").press("Enter")
    # A facet: commercial licences only (the filter form submits itself on change).
    page.get_by_role("checkbox", name="Commercial", exact=True).check()
    expect(page).to_have_url(re.compile(r"license_category=commercial"))
    table = page.locator("#model-table")
    expect(table.get_by_role("link", name="Claude Sonnet 4")).to_be_visible()
    expect(table.get_by_role("link", name="GPT-4o", exact=True)).to_have_count(0)
    screenshot(page, "catalog")
    table.get_by_role("link", name="Claude Sonnet 4").click()
    expect(page.get_by_role("heading", name=re.compile("Claude Sonnet 4"))).to_be_visible()


def check_can_use(page) -> None:
    """The model card's check, loaded by htmx: no entitlement yet; a request would go to the security review."""
    box = page.locator("#can-use")
    expect(box.locator('[data-team="search-platform"]')).to_contain_text("No entitlement")
    expect(box.locator('[data-outcome="review"]')).to_contain_text("Review required")
    expect(box).to_contain_text("Security")
    # Let the price chart finish its entry animation, so the screenshot shows the real price levels.
    page.wait_for_timeout(1500)
    screenshot(page, "model-card")
    box.get_by_role("link", name="Request for Search Platform").click()


def fill_and_submit_request(page) -> int:
    expect(page.get_by_role("heading", name="Request a model")).to_be_visible()
    expect(page.get_by_label("Model", exact=True)).to_have_value("anthropic/claude-sonnet-4")
    page.get_by_label("Use case", exact=True).select_option(label="Ticket summaries")
    page.get_by_label("Data classification").select_option("internal")
    precheck = page.locator("#precheck")
    expect(precheck.locator('[data-outcome="review"]')).to_be_visible()
    expect(precheck).to_contain_text("Security")
    expect(precheck).to_contain_text("Policy v1")
    page.get_by_label("Justification").fill("Summarise support tickets into the weekly quality report.")
    screenshot(page, "request-form")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#request-status")).to_have_text("In review")
    return int(re.search(r"/requests/(\d+)/", page.url).group(1))


def approve_with_condition(page, request_id: int) -> None:
    page.get_by_role("link", name=re.compile(r"^Reviews")).first.click()
    inbox_row = page.get_by_role("row", name=re.compile(f"#{request_id} Claude Sonnet 4"))
    expect(inbox_row).to_contain_text("Security")
    screenshot(page, "reviewer-inbox")
    inbox_row.get_by_role("link").click()
    form = page.locator("form.decision-form")
    form.get_by_label("Approve").check()
    form.get_by_label("Comment").fill("Fine for internal data, in the EU only.")
    form.get_by_text("Conditions of an approval").click()
    form.get_by_label("Only these regions").fill("eu")
    form.get_by_role("button", name="Record decision").click()
    expect(page.locator("#request-status")).to_have_text("Approved")
    expect(page.get_by_role("status")).to_contain_text("You approved the Security review.")


def test_request_review_and_use_a_model(open_page):
    world = build_world()

    requester = open_page()
    sign_in(requester, "rob.requester")
    find_model(requester, world)
    check_can_use(requester)
    request_id = fill_and_submit_request(requester)
    assert ApprovalRequest.objects.get(pk=request_id).status == RequestStatus.IN_REVIEW

    reviewer = open_page()
    sign_in(reviewer, "rita.reviewer")
    approve_with_condition(reviewer, request_id)
    entitlement = Entitlement.objects.get(request_id=request_id)
    assert entitlement.status == EntitlementStatus.ACTIVE and entitlement.allowed_regions == ["eu"]

    requester.goto("/")
    row = requester.get_by_role("region", name="What my teams may use").get_by_role(
        "row", name=re.compile("Claude Sonnet 4")
    )
    expect(row).to_contain_text("Search Platform")
    expect(row).to_contain_text("regions: eu")
    # The radar: GPT-4o, which the team uses, retires soon; its successor is suggested.
    expect(requester.locator(".radar-item")).to_contain_text("GPT-4o mini")
    screenshot(requester, "dashboard")

    outsider = open_page()
    sign_in(outsider, "pam.payments")
    response = outsider.goto(f"/requests/{request_id}/")
    assert response.status == 404
    expect(outsider.get_by_role("heading", name="Nothing here")).to_be_visible()
    expect(outsider.get_by_text("Claude Sonnet 4")).to_have_count(0)
    assert outsider.goto("/teams/search-platform/").status == 404


def test_the_pre_check_turns_to_deny_for_a_prohibited_use_case_before_submitting(open_page):
    build_world()
    page = open_page()
    sign_in(page, "rob.requester")
    page.goto("/requests/new/?model=openai/gpt-4o-mini")
    page.get_by_label("Use case", exact=True).select_option(label="+ Describe a new use case…")
    expect(page.locator("#new-use-case")).to_be_visible()
    page.get_by_label("New use case: name").fill("Score citizens")
    page.get_by_label("New use case: EU AI Act risk tier").select_option("prohibited")
    expect(page.locator('#precheck [data-outcome="deny"]')).to_be_visible()
    expect(page.locator("#precheck")).to_contain_text("prohibited risk tier")
    # Choosing an existing use case hides the new-use-case fields again.
    page.get_by_label("Use case", exact=True).select_option(label="Docs search")
    expect(page.locator("#new-use-case")).to_be_hidden()
    assert not ApprovalRequest.objects.exists()


def test_a_person_issues_a_personal_token_uses_it_and_revokes_it(open_page, live_server):
    """My API tokens: the secret is shown once, works against the API, and stops working at once when revoked."""
    import urllib.error
    import urllib.request

    build_world()

    def api_status(secret: str) -> int:
        url = f"{live_server.url}/api/v1/models/?page_size=1"
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {secret}"})  # noqa: S310 (loopback)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the live server, loopback)
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    page = open_page()
    sign_in(page, "rob.requester")
    page.get_by_role("link", name="My API tokens").click()
    expect(page.get_by_role("heading", name="My API tokens")).to_be_visible()
    expect(page.get_by_text("You have no personal token.")).to_be_visible()

    page.get_by_label("Name").fill("laptop-script")
    page.get_by_label("Read the catalog").check()
    page.get_by_role("button", name="Issue token").click()
    secret = page.get_by_label("API token").input_value()
    assert secret.startswith("mg_")
    expect(page.get_by_role("row", name=re.compile("laptop-script"))).to_contain_text("active")
    assert api_status(secret) == 200

    page.goto("/tokens/")  # shown once: the page again has no secret to show
    expect(page.get_by_label("API token")).to_have_count(0)

    page.get_by_role("button", name="Revoke token laptop-script").click()
    expect(page.get_by_role("row", name=re.compile("laptop-script"))).to_contain_text("revoked")
    assert api_status(secret) == 401
    screenshot(page, "my-tokens")  # after the revoke: no secret on it
