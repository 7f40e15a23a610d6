"""axe-core (npm `axe-core`, vendored under tests/browser/vendor/axe-core/ with its licence) injected by
Playwright into the page under test. `assert_accessible(page)` fails on any serious or critical violation
and names the rule, the help text and the offending elements."""

import pathlib

AXE_JS = pathlib.Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}


def axe_violations(page, *, impacts=BLOCKING):
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not
        # govern (add_script_tag would insert an inline script, which the policy refuses).
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({"
        "id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))"
    )
    return [v for v in result if v["impact"] in impacts]


def assert_accessible(page):
    found = axe_violations(page)
    assert not found, f"axe-core on {page.url}:\n" + "\n".join(
        f"  {v['impact']} {v['id']}: {v['help']} -> {v['nodes']}" for v in found
    )
