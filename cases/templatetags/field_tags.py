"""What the field scripts (static/js/field.js) need from the server: translated words and the map
configuration. Kept in one tag so every page that loads the script gets the same data."""

from django import template
from django.conf import settings
from django.utils.translation import gettext as _

register = template.Library()


def map_config():
    """The tile server settings, or None when no tile server is configured (then no map is drawn)."""
    if not settings.MAP_TILE_URL:
        return None
    return {
        "tileUrl": settings.MAP_TILE_URL, "attribution": settings.MAP_ATTRIBUTION,
        "subdomains": settings.MAP_TILE_SUBDOMAINS, "center": [settings.MAP_CENTER_LAT, settings.MAP_CENTER_LON],
        "zoom": settings.MAP_DEFAULT_ZOOM,
    }


@register.simple_tag
def field_script_data():
    return {
        "map": map_config(),
        "t": {
            "locate": _("使用当前位置"),
            "locating": _("正在定位……"),
            "located": _("已填入当前位置，精度约 %(m)s 米。"),
            "denied": _("无法定位：浏览器没有获得定位权限。可以在地图上点选，或手动填写经纬度。"),
            "unavailable": _("无法定位：设备暂时无法确定位置，请到开阔处再试，或手动填写。"),
            "noGeo": _("此浏览器不支持定位，请手动填写经纬度。"),
            "mapHint": _("在地图上点一下可放置或移动位置标记。"),
            "camera": _("拍照"),
            "gallery": _("从相册选择"),
            "remove": _("移除照片 %(name)s"),
            "compressed": _("已压缩：%(from)s → %(to)s"),
            "tooMany": _("最多只能上传 %(n)s 张照片，多出的没有加入。"),
            "photos": _("已选择 %(n)s 张照片"),
            "draftSaved": _("草稿已自动保存在本机（%(time)s），断网或关闭页面也不会丢失，上报成功后清除。"),
            "draftRestored": _("已恢复上次未提交的草稿（%(time)s）。"),
            "draftClear": _("清除草稿"),
        },
        "maxPhotos": settings.MAX_ATTACHMENTS_PER_UPLOAD,
    }


@register.simple_tag
def map_enabled():
    return bool(settings.MAP_TILE_URL)
