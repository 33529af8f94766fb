"""The web interface's journeys in a real Chromium (Debian's chromium and chromium-driver).

    python browser_journeys.py API_URL CA_FILE SCREENSHOT_DIR RESULT_FILE

API_URL is an ingress in dev mode (its development issuer signs the demo users in with the
authorization code flow and PKCE, exactly as Keycloak would). Two browser sessions side by side:
ada, a client, on a phone-sized window (375x812) and ann, an administrator, on a desktop one
(1280x800); then ben, the other client, and max, a manager. Every page is checked with axe-core (from PyPI's
axe-selenium-python) and saved as a screenshot at both sizes. Waits are on conditions of the
page, never on time. Writes what it found to RESULT_FILE as JSON; exits non-zero at the first
journey step that does not hold, naming it.
"""

import json
import pathlib
import ssl
import sys
import time
import urllib.parse
import urllib.request

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

PHONE = (375, 812)
DESKTOP = (1280, 800)
HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script> & "quotes"'


class Journey:
    def __init__(self, api: str, ca_file: str, shots: pathlib.Path) -> None:
        self.api = api
        self.tls = ssl.create_default_context(cafile=ca_file)
        self.shots = shots
        self.result: dict = {"pages": {}, "checks": []}
        self.browsers: list = []
        self.sizes: dict = {}

    def browser(self, size: tuple) -> webdriver.Chrome:
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=en-US"):
            options.add_argument(argument)
        options.add_argument(f"--window-size={size[0]},{size[1]}")
        # The test CA is not in Chromium's store; the page is still a secure context.
        options.accept_insecure_certs = True
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.resize(driver, size)
        self.browsers.append(driver)
        return driver

    def resize(self, driver, size: tuple) -> None:
        """The viewport exactly `size`, a phone's (touch, mobile) when narrow — as a device would."""
        self.sizes[id(driver)] = size
        driver.set_window_size(*size)
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": size[0] < 600},
        )

    def width(self, driver) -> int:
        return self.sizes[id(driver)][0]

    def check(self, what: str, holds: bool) -> None:
        self.result["checks"].append({"check": what, "holds": bool(holds)})
        if not holds:
            raise AssertionError(what)

    def wait(self, driver, what: str, condition, timeout: float = 20):
        try:
            # A view re-drawn by a live update replaces its elements: look again.
            ignored = (NoSuchElementException, StaleElementReferenceException)
            return WebDriverWait(driver, timeout, ignored_exceptions=ignored).until(condition)
        except TimeoutException:
            self.shot(driver, "failure")
            self.result["failedPage"] = driver.execute_script(
                "return {live: document.body.dataset.live, url: location.href, main: document.getElementById('main').innerText.slice(0, 2000)}")
            raise AssertionError(f"timed out waiting until {what}") from None

    @staticmethod
    def click(driver, css: str) -> None:
        """Clicks what `css` finds, scrolled to the middle of the window (clear of the sticky bar)."""
        element = driver.find_element(By.CSS_SELECTOR, css)
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()

    def ready(self, driver) -> None:
        self.wait(driver, "the view has its data", lambda d: d.find_element(By.ID, "main").get_attribute("data-ready") == "true")

    def shot(self, driver, name: str) -> None:
        width = self.width(driver)
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(str(self.shots / f"{name}-{width}.png"))

    def audit(self, driver, name: str) -> None:
        """axe-core on the page as it is now; serious or critical violations fail the journey."""
        axe = Axe(driver)
        axe.inject()
        violations = axe.run()["violations"]
        grave = [
            f'{v["id"]}: {v["help"]} at {[node["target"] for node in v["nodes"]][:3]}'
            for v in violations
            if v.get("impact") in ("serious", "critical")
        ]
        self.result["pages"].setdefault(name, []).append(
            {"width": self.width(driver), "violations": [v["id"] for v in violations], "grave": grave})
        self.check(f"{name} has no serious or critical accessibility violation: {grave}", not grave)

    def page(self, driver, name: str) -> None:
        """A page reached: audited, checked to fit the width, and photographed at this size."""
        self.audit(driver, name)
        wider = driver.execute_script(
            "const w = arguments[0]; return [...document.querySelectorAll('body *')]"
            ".filter(e => e.getBoundingClientRect().right > w + 1 && getComputedStyle(e).position !== 'fixed')"
            ".map(e => `${e.tagName}.${e.className} '${e.textContent.slice(0, 20)}' ${Math.round(e.getBoundingClientRect().left)}-${Math.round(e.getBoundingClientRect().right)}`).slice(0, 5)",
            self.width(driver),
        )
        if wider:
            self.shot(driver, f"{name}-overflow")
        self.check(f"{name} fits {self.width(driver)} px without scrolling sideways: {wider}", not wider)
        self.shot(driver, name)

    def sign_in(self, driver, username: str) -> None:
        driver.get(self.api + "/")
        button = self.wait(driver, "the sign-in button shows", EC.element_to_be_clickable((By.CSS_SELECTOR, ".sign-in button")))
        self.page(driver, "sign-in")
        button.click()
        self.wait(driver, "the issuer's form shows", EC.presence_of_element_located((By.NAME, "password")))
        self.check("the issuer's form is asked with a PKCE challenge", "code_challenge=" in driver.current_url)
        driver.find_element(By.CSS_SELECTOR, f'input[name=username][value="{username}"]').click()
        driver.find_element(By.NAME, "password").send_keys("demo")
        self.click(driver, "button[type=submit]")
        self.wait(driver, f"{username} is signed in", EC.presence_of_element_located((By.CSS_SELECTOR, ".who")))
        self.check("the code is gone from the address", "code=" not in driver.current_url)
        self.check("no cookie holds the token", not any("ey" in c.get("value", "") for c in driver.get_cookies()))
        self.ready(driver)

    def sign_in_by_api(self, issuer: str, username: str) -> None:
        """A demo user's first request through the API (password grant, as curl would), so Sopz knows them."""
        form = urllib.parse.urlencode({"grant_type": "password", "username": username, "password": "demo"}).encode()
        with urllib.request.urlopen(f"{issuer}/protocol/openid-connect/token", form, context=self.tls) as answer:
            token = json.load(answer)["access_token"]
        request = urllib.request.Request(f"{self.api}/api/v1/tickets?limit=1", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, context=self.tls) as answer:
            self.check(f"{username} may read the list", answer.status == 200)

    def manager(self, ada, ann) -> str:
        """max sees the administrators, hands a ticket to bill and exports the tickets as CSV."""
        issuer = ada.find_element(By.CSS_SELECTOR, 'meta[name="sopz-issuer"]').get_attribute("content")
        self.sign_in_by_api(issuer, "bill")
        ada.get(f"{self.api}/#/new")
        self.wait(ada, "the new-ticket form shows", EC.presence_of_element_located((By.NAME, "title")))
        ada.find_element(By.NAME, "title").send_keys("Keyboard misses keys")
        ada.find_element(By.NAME, "description").send_keys("No Q, no W.")
        self.click(ada, "form.card button[type=submit]")
        self.wait(ada, "the second ticket opens", EC.presence_of_element_located((By.ID, "ticket-title")))
        second = ada.current_url.split("#/tickets/")[1].split("?")[0]

        max_ = self.browser(DESKTOP)
        downloads = self.shots / "downloads"
        downloads.mkdir(exist_ok=True)
        for old in downloads.glob("*"):
            old.unlink()
        max_.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        self.sign_in(max_, "max")
        self.page(max_, "manager-queue")
        self.click(max_, 'a[href="#/team"]')
        self.wait(max_, "the administrators show", lambda d: "Bill Administrator" in d.find_element(By.CSS_SELECTOR, ".team").text)
        self.ready(max_)
        self.check("ann is listed as available", "Available" in max_.find_element(By.XPATH, "//tr[th='Ann Administrator']").text)
        self.page(max_, "team")

        max_.get(f"{self.api}/#/tickets/{second}")
        self.ready(max_)
        # Whichever of ann and bill holds it (the least loaded got it), the other one takes it over.
        holder = self.wait(max_, "the ticket has an administrator", lambda d: d.find_element(
            By.XPATH, "//select[@name='administratorId']/option[@selected]"))
        other = "Bill Administrator" if holder.text.startswith("Ann") else "Ann Administrator"
        target = max_.find_element(By.XPATH, f"//select[@name='administratorId']/option[starts-with(., '{other}')]")
        Select(max_.find_element(By.NAME, "administratorId")).select_by_value(target.get_attribute("value"))
        max_.find_element(By.NAME, "reason").send_keys("Ann is on leave")
        self.click(max_, "form button.secondary[type=submit]")
        self.wait(max_, f"the ticket is {other}'s", lambda d: f"Assignee: {other}" in d.find_element(By.ID, "main").text)
        self.wait(ada, "ada sees the change live", lambda d: "assigned it to" in d.find_element(By.CSS_SELECTOR, ".history").text
                  and len(d.find_elements(By.CSS_SELECTOR, ".history li")) >= 3)
        self.page(max_, "ticket-manager")

        self.click(max_, 'a[href="#/"]')
        self.ready(max_)
        self.click(max_, 'a[href="#/stats"]')
        self.wait(max_, "the statistics show", EC.presence_of_element_located((By.CSS_SELECTOR, "svg.chart")))
        self.ready(max_)
        bars = max_.find_elements(By.CSS_SELECTOR, "svg.chart rect.bar-created")
        self.check("the chart has a bar per day of the period", len(bars) == 30)
        self.check("today's bar shows the tickets opened", float(bars[-1].get_attribute("height")) > 0)
        self.page(max_, "statistics")
        max_.get(f"{self.api}/#/")
        self.ready(max_)
        self.click(max_, '[data-action="export"]')
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not list(downloads.glob("tickets.csv")):
            time.sleep(0.1)  # the download lands in the folder; nothing to wait on in the page
        exported = list(downloads.glob("tickets.csv"))
        self.check("the CSV export was downloaded", bool(exported))
        lines = exported[0].read_text(encoding="utf-8").splitlines()
        self.check("the export has its header line", lines[0].startswith("id,status,title"))
        self.check("the export holds the reassigned ticket", any(line.startswith(second) for line in lines))
        self.result["exportedLines"] = len(lines)
        return second

    def run(self) -> None:
        ann = self.browser(DESKTOP)
        self.sign_in(ann, "ann")
        # Her availability is the help desk's, not the browser's: switched, it survives a reload.
        def availability(d):
            return d.find_element(By.CSS_SELECTOR, ".availability input")

        self.wait(ann, "ann's availability is read", lambda d: d.execute_script("return document.readyState") == "complete")
        for _ in range(2):
            before = availability(ann).is_selected()
            availability(ann).click()
            self.wait(ann, "the switch is applied", lambda d: d.find_element(By.ID, "status").text == "Done")
            # The statistics are the read model's, a moment behind the command: reload until they show it.
            def remembered(d):
                box = availability(d)
                if box.get_attribute("data-known") != "true":
                    return False
                if box.is_selected() != before:
                    return True
                d.refresh()
                return False

            ann.refresh()
            self.wait(ann, "the help desk remembers it", remembered)
            self.ready(ann)
            if availability(ann).is_selected():
                break
        self.check("ann is available", availability(ann).is_selected())
        self.page(ann, "queue")

        ada = self.browser(PHONE)
        self.sign_in(ada, "ada")
        self.page(ada, "my-tickets")
        self.click(ada, 'a[href="#/new"]')
        self.wait(ada, "the new-ticket form shows", EC.presence_of_element_located((By.NAME, "title")))
        Select(ada.find_element(By.NAME, "category")).select_by_value("refund")
        self.check("refund fields show for a refund", ada.find_element(By.NAME, "orderId").is_displayed())
        Select(ada.find_element(By.NAME, "category")).select_by_value("hardware")
        self.check("refund fields hide otherwise", not ada.find_element(By.NAME, "orderId").is_displayed())
        self.page(ada, "new-ticket")
        # A refused command never looks done: a title of nothing but an ideographic space passes
        # the browser's `required` and is refused by the API, in its own words.
        ada.find_element(By.NAME, "title").send_keys("\u3000")
        ada.find_element(By.NAME, "description").send_keys("It prints every page twice.")
        self.click(ada, "form.card button[type=submit]")
        refusal = self.wait(ada, "the blank title is refused", lambda d: d.find_element(By.CSS_SELECTOR, '.progress[data-stage="refused"]'))
        self.check("the refusal names the field", "title" in refusal.text)
        self.check("the form stays", "#/new" in ada.current_url)
        self.result["refusalShown"] = refusal.text
        self.shot(ada, "refused")
        ada.find_element(By.NAME, "title").clear()
        ada.find_element(By.NAME, "description").clear()
        ada.find_element(By.NAME, "title").send_keys("Printer on the third floor")
        ada.find_element(By.NAME, "description").send_keys("It prints every page twice.")
        self.click(ada, "form.card button[type=submit]")
        self.wait(ada, "the new ticket opens", EC.presence_of_element_located((By.ID, "ticket-title")))
        self.ready(ada)
        ticket = ada.current_url.split("#/tickets/")[1].split("?")[0]
        self.result["ticket"] = ticket
        self.wait(ada, "the ticket is assigned", lambda d: "Assigned" in d.find_element(By.CSS_SELECTOR, ".badge").text)

        # What a user types is text: markup in a message is shown, never run.
        chat = ada.find_element(By.ID, "chat-body")
        chat.send_keys(HOSTILE)
        self.click(ada, ".chat-form button")
        self.wait(ada, "the message shows", lambda d: HOSTILE in d.find_element(By.CSS_SELECTOR, ".chat").text)
        self.check("the markup did not run", ada.execute_script("return window.pwned === undefined"))
        self.check("no element was made from it", not ada.find_elements(By.CSS_SELECTOR, ".chat img, .chat script"))
        self.result["hostileShownAsText"] = True
        self.page(ada, "ticket")

        # The administrator answers in her own session; ada sees it without reloading.
        ann.get(f"{self.api}/#/tickets/{ticket}")
        self.ready(ann)
        self.wait(ann, "ann sees ada's message", lambda d: HOSTILE in d.find_element(By.CSS_SELECTOR, ".chat").text)
        ada.execute_script("window.sopzNotReloaded = true")
        ann.find_element(By.ID, "chat-body").send_keys("On my way with a new roller.")
        self.click(ann, ".chat-form button")
        self.wait(ada, "ann's reply reaches ada live", lambda d: "On my way with a new roller." in d.find_element(By.CSS_SELECTOR, ".chat").text)
        self.check("ada's page was not reloaded", ada.execute_script("return window.sopzNotReloaded === true"))

        # Offline and back: the message waits visibly, then is sent once (its Idempotency-Key).
        offline = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
        ada.execute_cdp_cmd("Network.enable", {})
        ada.execute_cdp_cmd("Network.emulateNetworkConditions", offline)
        ada.find_element(By.ID, "chat-body").send_keys("Tray 2, since Monday")
        self.click(ada, ".chat-form button")
        waiting = self.wait(ada, "the message waits for the network", lambda d: d.find_element(
            By.CSS_SELECTOR, '.chat-form .progress[data-stage="offline"], .chat-form .progress[data-stage="retrying"]'))
        self.result["offlineShown"] = waiting.text
        self.shot(ada, "offline")
        ada.execute_cdp_cmd("Network.emulateNetworkConditions", {**offline, "offline": False})
        self.wait(ada, "the message is sent once back online", lambda d: "Tray 2, since Monday" in d.find_element(By.CSS_SELECTOR, ".chat").text)
        self.check("it shows once", ada.find_element(By.CSS_SELECTOR, ".chat").text.count("Tray 2, since Monday") == 1)
        self.page(ann, "ticket-staff")
        self.click(ann, '[data-action="start"]')
        self.wait(ann, "the ticket is in progress", lambda d: "In progress" in d.find_element(By.CSS_SELECTOR, ".badge").text)
        ann.find_element(By.NAME, "note").send_keys("New roller fitted")
        self.click(ann, '[data-action="resolve"]')
        self.wait(ada, "ada sees it resolved live", lambda d: "Resolved" in d.find_element(By.CSS_SELECTOR, ".badge").text)
        self.check("ada may confirm or reopen", bool(ada.find_elements(By.CSS_SELECTOR, '[data-action="confirm"]')))

        self.click(ada, '[data-action="confirm"]')
        self.wait(ada, "ada's confirmation closes it", lambda d: "Closed" in d.find_element(By.CSS_SELECTOR, ".badge").text)
        self.wait(ann, "ann sees it closed live", lambda d: "Closed" in d.find_element(By.CSS_SELECTOR, ".badge").text)

        # Another client cannot reach ada's ticket.
        ben = self.browser(PHONE)
        self.sign_in(ben, "ben")
        ben.get(f"{self.api}/#/tickets/{ticket}")
        self.wait(ben, "ben is told it is not there", lambda d: "does not exist" in d.find_element(By.ID, "main").text)
        self.check("ben sees nothing of it", "Printer on the third floor" not in ben.find_element(By.ID, "main").text)
        self.page(ben, "not-found")

        self.result["second"] = self.manager(ada, ann)
        max_ = self.browsers[-1]

        # Keyboard only: Tab walks the page in reading order, and a ticket is opened without a pointer.
        ada.get(f"{self.api}/#/new")
        self.wait(ada, "the new-ticket form shows", EC.presence_of_element_located((By.NAME, "title")))
        self.ready(ada)
        self.check("the page is titled after its view", ada.title == "New ticket · Sopz")
        # From the top of the page (the skip link is the first stop), Tab walks in reading order.
        ada.execute_script("document.querySelector('.skip').focus()")
        walked = []
        for _ in range(10):
            walked.append(ada.execute_script(
                "const e = document.activeElement; return e.name || e.getAttribute('href') || e.className || e.tagName"))
            ada.switch_to.active_element.send_keys(Keys.TAB)
        self.result["tabOrder"] = walked
        self.check(f"the skip link, then the bar, then the view: {walked}",
                   walked[:2] == ["#main", "#/"] and "secondary" in walked[2:5])
        expected = ["title", "description", "category"]
        self.check(f"the form is walked in order: {walked}",
                   [name for name in walked if name in expected] == expected and "#/" in walked[:walked.index("title")])
        ada.execute_script("document.querySelector('.skip').focus()")
        ada.switch_to.active_element.send_keys(Keys.ENTER)
        self.check("the skip link moves the focus to the content", ada.switch_to.active_element.get_attribute("id") == "main")
        self.check("and stays on the view", ada.current_url.endswith("#/new"))
        ada.find_element(By.NAME, "title").click()
        active = ada.switch_to.active_element
        active.send_keys("Mouse double-clicks")
        active.send_keys(Keys.TAB)
        ada.switch_to.active_element.send_keys("Every click counts twice.")
        ada.switch_to.active_element.send_keys(Keys.TAB)  # the category: left as it is
        ada.switch_to.active_element.send_keys(Keys.TAB)  # the submit button
        self.check("Tab reaches the submit button", ada.switch_to.active_element.text == "Open the ticket")
        ada.switch_to.active_element.send_keys(Keys.ENTER)
        self.wait(ada, "the keyboard's ticket opens", lambda d: d.find_element(By.ID, "ticket-title").text == "Mouse double-clicks")

        # The chat is kept on this device: a reload shows it while the network does not answer.
        ada.get(f"{self.api}/#/tickets/{ticket}")
        self.ready(ada)
        ada.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/messages*"]})
        ada.refresh()
        self.wait(ada, "the cached chat shows", lambda d: d.find_element(By.CSS_SELECTOR, '.chat[data-from="cache"]')
                  and "On my way with a new roller." in d.find_element(By.CSS_SELECTOR, ".chat").text)
        self.check("the cached chat is all there", ada.find_element(By.CSS_SELECTOR, ".chat").text.count("Tray 2, since Monday") == 1)
        self.result["cachedChatShown"] = True
        ada.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
        ada.refresh()
        self.wait(ada, "the chat is revalidated", lambda d: d.find_element(By.CSS_SELECTOR, '.chat[data-from="network"]'))
        self.ready(ada)
        asked = ada.execute_script(
            "return performance.getEntriesByType('resource').filter(e => e.name.includes('/messages?'))"
            ".map(e => [e.name, e.responseStatus])")
        self.result["chatRevalidation"] = asked
        self.check(f"only what came after the cached chat was asked for, and it had not changed: {asked}",
                   bool(asked) and all("after=" in url and status == 304 for url, status in asked))

        # The interface speaks Russian on request, and remembers it.
        Select(ada.find_element(By.CSS_SELECTOR, ".language select")).select_by_value("ru")
        self.wait(ada, "the page is in Russian", lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ru")
        self.ready(ada)
        self.check("the status reads in Russian", "Закрыта" in ada.find_element(By.CSS_SELECTOR, ".badge").text)
        self.page(ada, "ticket-ru")
        Select(ada.find_element(By.CSS_SELECTOR, ".language select")).select_by_value("en")

        # Every page at the other size too.
        for driver, pages in (
            (ada, {"my-tickets": "#/", "new-ticket": "#/new", "ticket": f"#/tickets/{ticket}"}),
            (ann, {"queue": "#/", "ticket-staff": f"#/tickets/{ticket}"}),
            (max_, {"manager-queue": "#/", "team": "#/team", "statistics": "#/stats",
                    "ticket-manager": f"#/tickets/{self.result['second']}"}),
        ):
            self.resize(driver, DESKTOP if self.width(driver) == PHONE[0] else PHONE)
            for name, fragment in pages.items():
                driver.get(f"{self.api}/{fragment}")
                self.wait(driver, f"{name} shows", EC.presence_of_element_located((By.CSS_SELECTOR, ".who")))
                self.ready(driver)
                self.page(driver, name)

        # Sign-out forgets the token.
        ada.find_element(By.XPATH, "//button[text()='Sign out']").click()
        self.wait(ada, "ada is signed out", EC.presence_of_element_located((By.CSS_SELECTOR, ".sign-in button")))
        self.check("no token is kept", ada.execute_script("return sessionStorage.getItem('sopz.session') === null"))
        self.check("no chat is kept", ada.execute_async_script(
            "const done = arguments[0]; indexedDB.databases().then(list => done(!list.some(d => d.name === 'sopz')))"))


def main() -> None:
    api, ca_file, shots, out = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3]), sys.argv[4]
    shots.mkdir(parents=True, exist_ok=True)
    journey = Journey(api, ca_file, shots)
    failure = None
    try:
        journey.run()
    except AssertionError as error:
        failure = str(error)
    except Exception as error:  # noqa: BLE001 (whatever broke, the test is told what)
        failure = f"{type(error).__name__}: {error}"
    finally:
        for driver in journey.browsers:
            for entry in driver.get_log("browser") if hasattr(driver, "get_log") else []:
                journey.result.setdefault("console", []).append(entry.get("message"))
            driver.quit()
    journey.result["failure"] = failure
    pathlib.Path(out).write_text(json.dumps(journey.result, indent=2))
    if failure:
        print(f"journey failed: {failure}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
