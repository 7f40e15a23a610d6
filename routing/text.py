"""Chinese text handling for routing (and duplicate detection): segmentation, stop words, synonyms.

`tokenize(text)` is the one way the project turns free Chinese text into words. It segments with rjieba (the
jieba-rs binding) in search mode (a long word also yields its parts, so 消防通道 matches 通道 and 消防), drops
stop words, punctuation, digits and numbered parts of legal references (第六十五条, 2019年), lower-cases Latin
words (KTV → ktv) and maps every synonym to its group's first word (路面 → 道路), so the query and the
documents meet on the same words.

The dictionary and the synonym groups are process-wide: `add_words` (the list's keywords and short titles)
and `set_synonyms` (the built-in groups plus the editors' table, routing.models.Synonym) are called by
routing.index when it (re)builds an index. Without them `tokenize` works with the defaults.
"""

import re
import threading

# rjieba's own instance (it builds it at import): a second Jieba() would hold another copy of the dictionary
# in every web and Celery process (about 24 MiB each; issue 15's worker memory). Imported on the first
# segmentation, so a process that never routes (a Celery worker, an API-only web worker) never loads it.
_lock = threading.Lock()
_added = set()

# Words jieba's default dictionary splits badly, or that the lists use as terms.
BUILTIN_WORDS = [
    "占道经营", "占道", "摆摊设点", "流动摊贩", "油烟", "违建", "违章建筑", "私搭乱建", "噪声", "扰民", "消防通道",
    "路面", "破损", "道路破损", "井盖", "户籍", "户口", "落户", "低保", "廉租房", "公租房", "物业", "业委会",
    "渣土车", "黑作坊", "无证经营", "无照经营", "飞线充电", "电动车", "欠薪", "讨薪", "社保", "医保", "公交车",
    "公交", "出租车", "交警", "派出所", "网吧", "广场舞", "夜宵摊", "烧烤", "宅基地", "确权", "征收", "拆迁",
    "异地搬迁", "易地搬迁", "村级公路", "道路硬化", "水泥路", "自来水", "饮用水", "山塘", "水渠", "河堤", "采砂",
    "电鱼", "绝户网", "毁林", "林权", "山林", "秸秆", "幼儿园", "补课", "学位", "入学", "校服", "学杂费", "招生",
    "教辅", "不动产", "房产证", "网签", "开发商", "交房", "电梯", "燃气", "液化气", "停水", "停电", "路灯",
    "减速带", "红绿灯", "信号灯", "违停", "乱停车", "养犬", "遛狗", "流浪狗", "垃圾站", "垃圾分类", "公厕",
]

_jieba = None
_pending = []  # (word, freq) added before rjieba was loaded


def _segmenter():
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                import rjieba

                jieba = rjieba._DEFAULT_JIEBA
                for word, freq in _pending:
                    jieba.add_word(word, freq, None)
                _pending.clear()
                _jieba = jieba
    return _jieba


STOP_WORDS = frozenset("""
的 了 是 在 和 与 及 或 而 也 就 都 又 还 很 太 更 最 被 把 让 给 对 从 到 向 为 以 于 由 将 之 其 这 那 此 些
个 位 次 种 件 条 每 各 该 本 我 你 他 她 它 您 咱 我们 你们 他们 她们 大家 自己 人家 有 没 没有 无 不 非 未 别
要 会 能 可 可以 可能 应 应该 应当 需要 必须 得 地 着 过 吗 呢 吧 啊 呀 哦 嘛 么 啦 等 等等 如 如果 若 因 因为
所以 但 但是 然而 而且 并 并且 以及 或者 还是 只 只是 才 已 已经 曾 曾经 正在 现在 目前 今年 去年 明年 今天 昨天
一直 一些 一下 一个 一种 一样 一起 这个 那个 这些 那些 这样 那样 怎么 怎样 什么 为什么 如何 哪里 哪 谁 多少 几
多 少 大 小 上 下 里 中 内 外 前 后 左 右 东 西 南 北 时 时候 时间 年 月 日 号 点 天 分 后来 之后 以后 以前 之前
尊敬 尊敬的 领导 领导们 您好 你好 同志 书记 县长 市长 区长 局长 主任 谢谢 感谢 百忙 百忙之中 恳请 恳求 请求
希望 盼望 呼吁 强烈 强烈要求 要求 建议 咨询 请问 反映 反应 投诉 举报 质疑 关于 有关 相关 问题 情况 事情 事宜
事项 一事 方面 工作 部门 有关部门 相关部门 政府 人民政府 解决 处理 帮助 帮忙 关注 重视 落实 尽快 尽早 及时 早日
严重 非常 特别 十分 真的 实在 根本 完全 确实 多次 几次 一次 再次 第二次 第三次 长期 经常 总是 至今 仍然 依然
居民 群众 老百姓 百姓 市民 村民 业主 人员 人 我家 家里 附近 周边 本人 情况反映 具体 进行 存在 出现 发生 发现
造成 导致 影响 表示 认为 觉得 知道 希望能 能够 不能 不会 无法 是否 是不是 有没有 怎么办 回复 答复 处理结果
市 县 区 镇 乡 村 组 社区 街道 省 西地省 该 其中 包括 通过 根据 按照 对于 关于 由于 为了 进一步 情况下 以上 以下
""".split())

_KEEP_SINGLE = frozenset("狗 猫 鸡 猪 牛 羊 鱼 水 电 气 路 桥 房 楼 树 林 山 河 湖 塘 井 墙 网 税 药 车 坟 墓 火 烟 油 粮 菜 肉".split())

# Synonym groups: the first word is the canonical form every other word is mapped to.
DEFAULT_SYNONYMS = [
    ["道路", "路面", "马路", "公路", "路段", "道路破损", "坑洼", "坑洞", "烂路"],
    ["户籍", "户口", "落户", "迁户", "入户口"],
    ["占道经营", "摆摊", "摆摊设点", "流动摊贩", "摊贩", "占道", "夜宵摊", "摊点", "地摊"],
    ["违法建设", "违建", "违章建筑", "违章", "私搭乱建", "乱搭乱建", "违规建设", "加层", "搭建"],
    ["噪声", "噪音", "吵闹", "扰民"],
    ["油烟", "排烟"],
    ["垃圾", "垃圾堆", "乱扔垃圾", "生活垃圾"],
    ["欠薪", "讨薪", "拖欠工资", "工资拖欠", "欠工资"],
    ["社保", "社会保险", "养老保险", "社保卡"],
    ["医保", "医疗保险", "医疗保障", "新农合", "报销"],
    ["公交", "公交车", "公交线路", "班车", "公交站"],
    ["出租车", "的士", "网约车"],
    ["低保", "最低生活保障", "低保户"],
    ["幼儿园", "幼儿", "学前教育", "托幼"],
    ["补课", "有偿补课", "课外辅导"],
    ["学校", "小学", "中学", "初中", "高中", "学生"],
    ["入学", "上学", "就读", "招生", "学位", "择校"],
    ["教师", "老师", "代课教师", "民办教师"],
    ["物业", "物业公司", "物管", "物业管理"],
    ["开发商", "房地产", "楼盘", "售楼部", "商品房"],
    ["房产证", "不动产证", "产权证", "办证"],
    ["拆迁", "征收", "征地", "拆迁款", "征收款", "补偿款"],
    ["自来水", "饮用水", "饮水", "停水", "供水"],
    ["停电", "供电", "电力", "高压线", "变电站"],
    ["燃气", "天然气", "煤气", "液化气"],
    ["交警", "交通警察", "违停", "乱停车", "违章停车", "闯红灯", "超速"],
    ["信号灯", "红绿灯", "减速带", "斑马线"],
    ["电梯", "电梯故障", "困人"],
    ["养犬", "养狗", "遛狗", "狗", "犬只", "流浪狗"],
    ["污染", "排污", "偷排", "污水", "废水", "废气", "臭味"],
    ["食品", "食品安全", "过期食品", "三无食品"],
    ["网吧", "电玩", "游戏厅", "电玩室"],
    ["歌厅", "ktv", "娱乐场所", "酒吧"],
    ["消防", "火灾隐患"],
    ["村级公路", "村道", "通村公路", "组级公路", "乡道", "水泥路", "道路硬化", "硬化"],
    ["异地搬迁", "易地搬迁", "扶贫搬迁"],
    ["贫困户", "扶贫", "建档立卡"],
    ["宅基地", "建房", "农村建房"],
    ["劳动合同", "劳动纠纷", "劳动法", "加班"],
    ["规划", "规划许可", "城乡规划", "控规"],
]

_synonyms = {}


def set_synonyms(groups):
    """Replace the synonym map with these groups (each a list of words, canonical first)."""
    mapping = {}
    for group in groups:
        words = [w.strip().lower() for w in group if w and w.strip()]
        if len(words) < 2:
            continue
        for word in words[1:]:
            mapping.setdefault(word, words[0])
        add_words(words)
    global _synonyms
    _synonyms = mapping


def add_words(words, freq=200000):
    """Add words to the segmentation dictionary (once each). Long phrases are kept whole, and search mode
    still yields their parts."""
    new = [w for w in words if w and 2 <= len(w) <= 12 and w not in _added]
    if not new:
        return
    with _lock:
        for word in new:
            if _jieba is None:
                _pending.append((word, freq))
            else:
                _jieba.add_word(word, freq, None)
            _added.add(word)


_DROP_RE = re.compile(
    r"^(?:[\W_]+|\d[\w.]*|[a-z]+\d[\w]*|第?[零〇一二三四五六七八九十百千万两\d]+[条款项章节年月日号组期届次栋楼层户]?"
    r"|[零〇一二三四五六七八九十百千]+)$"
)


def tokenize(text):
    """Words of `text` for matching: segmented, without stop words or digits, synonyms folded."""
    if not text:
        return []
    words = []
    for raw in _segmenter().cut_for_search(str(text).lower(), True):
        word = raw.strip()
        if not word or word in STOP_WORDS or _DROP_RE.match(word):
            continue
        if len(word) == 1 and word not in _KEEP_SINGLE:
            continue
        words.append(_synonyms.get(word, word))
    return words


def matched_words(query_tokens, document_tokens):
    """Query words that also occur in a document, in query order, without repeats."""
    present = set(document_tokens)
    seen, out = set(), []
    for word in query_tokens:
        if word in present and word not in seen:
            seen.add(word)
            out.append(word)
    return out


def highlight_terms(text, words):
    """The spans of `text` to highlight for these canonical words: each word and its synonyms that occur
    in the text, longest first (for the templates' |highlight filter)."""
    reverse = {}
    for variant, canonical in _synonyms.items():
        reverse.setdefault(canonical, set()).add(variant)
    terms = set()
    low = (text or "").lower()
    for word in words:
        for form in {word, *reverse.get(word, ())}:
            if form and form in low:
                terms.add(form)
    return sorted(terms, key=len, reverse=True)


add_words(BUILTIN_WORDS)
set_synonyms(DEFAULT_SYNONYMS)
