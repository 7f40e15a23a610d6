"""The township clerk in the field, in real Chromium at both sizes: 使用当前位置 fills the coordinates with
their accuracy, the map (served by a tile server this test runs on 127.0.0.1) places and moves the pin,
photos come from camera/gallery controls with previews and large ones are compressed before upload, the
draft survives a reload, a corrected field loses its old error; with no tile server configured no map is
drawn and no request leaves the platform. The dispatcher's case map shows the case. axe-core on each page."""

import http.server
import threading
from decimal import Decimal
from urllib.parse import urlparse

import pytest

from cases.models import Case
from tests.browser.axe import assert_accessible
from tests.browser.fixtures import _context
from tests.cases.conftest import build_lists, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TILE = png_bytes(size=(256, 256), color=(220, 230, 220))
HERE = {"latitude": 31.2304, "longitude": 121.4737, "accuracy": 18}


@pytest.fixture
def lists(org):
    return build_lists(org)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def tile_server():
    """A tile server on 127.0.0.1 answering every /z/x/y.png with one PNG, counting what it served."""
    served = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            served.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(TILE)))
            self.end_headers()
            self.wfile.write(TILE)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", served
    server.shutdown()


@pytest.fixture(params=["desktop", "phone"])
def field_page(request, browser):
    kwargs = {"geolocation": HERE, "permissions": ["geolocation"]}
    if request.param == "desktop":
        context = _context(browser, viewport={"width": 1280, "height": 900}, **kwargs)
    else:
        context = _context(browser, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                           has_touch=True, **kwargs)
    yield request.param, context.new_page()
    context.close()


def test_clerk_reports_with_gps_map_pin_and_compressed_photo(org, lists, media, field_page, tile_server, settings,
                                                             live_server, login, shot, tmp_path):
    size, page = field_page
    base, served = tile_server
    settings.MAP_TILE_URL = base + "/{z}/{x}/{y}.png"
    settings.MAP_ATTRIBUTION = "测试底图"
    big = tmp_path / "现场大图.png"
    from PIL import Image

    Image.effect_noise((3000, 2200), 90).convert("RGB").save(big, format="PNG")  # ≈ 6 MB of noise
    assert big.stat().st_size > 2 * 1024 * 1024

    login(page, org.reporter)
    page.goto(f"{live_server.url}/cases/report/")
    # The township is a hidden field once, not twice.
    assert page.locator("input[name=township]").count() == 1
    page.get_by_role("button", name="使用当前位置").click()
    page.get_by_text("已填入当前位置，精度约 18 米。").wait_for()
    assert page.get_by_label("纬度").input_value() == "31.230400"
    assert page.get_by_label("经度").input_value() == "121.473700"
    page.locator(".pin-map .leaflet-tile-loaded").first.wait_for()
    assert served and all(p.endswith(".png") for p in served)
    assert page.locator(".pin-map .leaflet-marker-icon").count() == 1
    page.get_by_text("测试底图").wait_for()

    # Tapping the map moves the pin and the coordinates.
    box = page.locator(".pin-map").bounding_box()
    page.locator(".pin-map").click(position={"x": box["width"] / 2 + 60, "y": box["height"] / 2 + 40})
    assert page.get_by_label("纬度").input_value() != "31.230400"

    # Camera and gallery controls are ≥44 px; a 6 MB photo goes up compressed, with a preview.
    camera = page.get_by_role("button", name="拍照")
    assert camera.bounding_box()["height"] >= 44
    assert page.locator("input[capture=environment][accept='image/*']").count() == 1
    page.locator("input[name=photos]").set_input_files(str(big))
    page.locator(".photo-preview img").wait_for()
    page.get_by_text("已压缩").wait_for()
    assert page.get_by_role("button", name="移除照片 现场大图.jpg").bounding_box()["width"] >= 44

    # The text is kept as a draft: a reload (a lost connection) brings it back.
    page.get_by_label("标题", exact=True).fill("青石路违建")
    page.get_by_label("问题描述").fill("路口新建彩钢棚，占用人行道。")
    page.get_by_text("草稿已自动保存在本机").wait_for()
    assert_accessible(page)
    shot(page, f"field-report-{size}")
    lat = page.get_by_label("纬度").input_value()
    page.reload()
    page.get_by_text("已恢复上次未提交的草稿").wait_for()
    assert page.get_by_label("标题", exact=True).input_value() == "青石路违建"
    assert page.get_by_label("纬度").input_value() == lat

    # Submitting without the address: the error is shown, and goes once the field is filled.
    page.locator("input[name=photos]").set_input_files(str(big))
    page.get_by_text("已压缩").wait_for()
    page.get_by_role("button", name="上报", exact=True).click()
    error = page.get_by_text("请填写问题发生的地点。")
    error.wait_for()
    page.get_by_label("地点").fill("青石镇青石路口")
    assert error.count() == 0
    page.locator("input[name=photos]").set_input_files(str(big))
    page.get_by_text("已压缩").wait_for()
    page.get_by_role("button", name="上报", exact=True).click()
    page.get_by_text("已上报，编号").wait_for()
    case = Case.objects.get()
    assert case.latitude is not None and abs(case.latitude - Decimal(lat)) < Decimal("0.000001")
    photo = case.attachments.get()
    assert photo.file.size < big.stat().st_size / 3
    page.goto(f"{live_server.url}/cases/report/")
    assert page.get_by_label("标题", exact=True).input_value() == ""  # the draft went with the report

    # The dispatcher sees it on the case map.
    page.context.clear_cookies()
    login(page, org.dispatcher)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/cases/search/map/")
    shot(page, f"field-case-map-{size}")
    assert not errors
    page.locator("#case-map .leaflet-marker-icon").first.wait_for()
    assert page.get_by_role("link", name=f"{case.number} 青石路违建").is_visible()
    assert_accessible(page)
    shot(page, f"field-case-map-{size}")


def test_without_a_tile_server_no_map_and_no_outside_request(org, lists, field_page, settings, live_server, login, shot):
    size, page = field_page
    settings.MAP_TILE_URL = ""
    hosts = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
    login(page, org.reporter)
    page.goto(f"{live_server.url}/cases/report/")
    page.get_by_role("button", name="使用当前位置").click()
    page.get_by_text("已填入当前位置").wait_for()
    assert page.locator(".leaflet-container").count() == 0
    assert page.locator("script[src*=leaflet]").count() == 0
    assert_accessible(page)
    shot(page, f"field-report-nomap-{size}")
    assert hosts == {urlparse(live_server.url).netloc}
