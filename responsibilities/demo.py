"""Demo list for 示范县: "示范县乡镇（街道）履行职责事项清单", two published versions.

Modelled on published township lists (基本履职事项 / 配合履职事项 / 上级部门收回事项). Legal bases
are real: clauses of local statutes (北京、上海街道办事处条例, 山东省乡镇人民政府工作条例, 山东省食品小作坊
小餐饮和食品摊点管理条例, 滨州市网格化条例, 安徽省人口与计划生育条例) and national laws; an article number is
given only where it is certain. The cases app's triage relies on the keywords (占道经营, 食品, 油烟, 违建,
噪音, 垃圾, 河道, 道路破损 ...).

Idempotent: version 1 is published only when the list has no published version, version 2 only when
version 1 is the latest; a second run changes nothing. Called by `seed_demo` after governance.demo.
"""

import datetime

from django.contrib.auth import get_user_model

from governance.models import Level, Unit
from responsibilities import demo_county, services
from responsibilities.models import DutyList, VersionStatus

LIST_CODE = "sfx-township"
LIST_NAME = "示范县乡镇（街道）履行职责事项清单"

BJ = "《北京市街道办事处条例》（2019年11月27日通过）"
SH = "《上海市街道办事处条例》（2018年5月24日修正）"
SD = "《山东省乡镇人民政府工作条例》（2020年6月12日通过）"
SDSP = "《山东省食品小作坊小餐饮和食品摊点管理条例》（2017年1月18日通过）"
BZ = "《滨州市社会治理网格化服务管理条例》（2021年8月5日批准）"

# code, kind, category, title, description, legal basis, department code, response hours, resolution days, keywords
ITEMS = [
    # 基本履职事项 — 综治工作
    ("JB-001", "basic", "governance", "组织开展网格化管理", "将辖区划分为若干网格，配备专兼职网格员，开展日常巡查、信息采集和隐患上报。",
     f"{BZ}第五条第三款；{BJ}第二十四条第一款", "", 24, 5, "网格,网格员,巡查,信息采集"),
    ("JB-002", "basic", "governance", "矛盾纠纷排查化解", "了解、预防、排查、化解家庭、邻里之间等矛盾纠纷，发挥人民调解作用。",
     f"{BJ}第三十三条第二款", "", 24, 10, "纠纷,矛盾,调解,邻里纠纷,家庭纠纷"),
    ("JB-003", "basic", "governance", "社会治安综合治理和平安建设", "承担辖区社会治安综合治理工作，反映社情民意，维护社区平安。",
     f"{SH}第五条第一款第（七）项", "", 24, 10, "治安,平安建设,综治"),
    ("JB-004", "basic", "governance", "网格化服务管理事件受理和分流交办", "负责网格化服务管理信息系统日常运行，承担建档受理、分流交办、检查督促、数据研判。",
     f"{BZ}第十二条第一款", "", 4, 3, "分流,交办,事件,工单"),
    ("JB-005", "basic", "governance", "信访事项受理和初信初访办理", "受理本辖区群众来信来访，属于本级职责的及时办理，不属于的及时转送。",
     "《信访工作条例》（2022年）", "", 24, 15, "信访,上访,来信来访"),
    ("JB-006", "basic", "governance", "安全生产属地监督和应急演练", "明确安全生产监管工作机构，组织应急演练，督促辖区生产经营单位落实安全责任。",
     f"《中华人民共和国安全生产法》第九条第二款；{BJ}第三十三条第一款", "", 12, 5, "安全生产,隐患,应急演练"),
    ("JB-007", "basic", "governance", "指导村（居）民委员会开展群众性消防工作", "组织防火检查和消防宣传，督促清理楼道堆物、畅通消防通道。",
     "《中华人民共和国消防法》第三十二条", "", 12, 5, "消防,火灾隐患,消防通道,楼道堆物"),
    ("JB-008", "basic", "governance", "防汛抗旱和自然灾害先期处置", "汛期组织巡查、转移受威胁群众，开展灾情报告和先期处置。",
     "《中华人民共和国防洪法》；《中华人民共和国突发事件应对法》", "", 2, 3, "防汛,内涝,积水,灾害,转移"),
    ("JB-009", "basic", "governance", "国防教育和兵役工作", "组织兵役登记、征兵宣传和国防教育。", f"{BJ}第十条第一款第（六）项", "", 48, 20, "征兵,兵役,国防教育"),
    # 基本履职事项 — 市场监管
    ("JB-010", "basic", "market", "划定食品摊点经营区域和经营时段", "划定食品摊点经营区域、时段，确定幼儿园、中小学校周边禁止经营区域并向社会公布。",
     f"{SDSP}第二十七条第一款", "", 48, 20, "食品摊点,摊贩,流动摊点,学校周边"),
    ("JB-011", "basic", "market", "食品摊点信息公示卡发放", "根据备案信息当场制作、发放食品摊点信息公示卡，并将备案信息告知县市场监管和综合执法部门。",
     f"{SDSP}第二十八条第二款", "", 24, 5, "食品摊点,公示卡,备案,食品"),
    ("JB-012", "basic", "market", "确定村（居）食品安全协管员、信息员", "在村民委员会、居民委员会确定食品安全协管员或者信息员，开展隐患排查和信息报告。",
     f"{SDSP}第三十三条", "", 48, 10, "食品安全,协管员,信息员"),
    ("JB-013", "basic", "market", "督促食品摊点办理信息公示卡", "发现食品摊点未办理信息公示卡的，告知其及时办理。",
     f"{SDSP}第二十八条第三款", "", 24, 5, "食品摊点,公示卡"),
    # 基本履职事项 — 综合执法
    ("JB-014", "basic", "enforcement", "街巷环境和居住区秩序整治", "组织开展街巷环境、居住区、地下空间、停车秩序整治和乱堆乱放清理。",
     f"{BJ}第二十八条", "", 24, 5, "环境整治,乱堆乱放,停车秩序,垃圾"),
    ("JB-015", "basic", "enforcement", "乡村规划区内违法建设的制止和查处",
     "在乡、村庄规划区内未依法取得乡村建设规划许可证或者未按照许可证规定进行建设的，责令停止建设、限期改正。",
     "《中华人民共和国城乡规划法》第六十五条", "", 12, 15, "违建,农村建房,乡村规划,私搭乱建"),
    ("JB-016", "basic", "enforcement", "发现违法行为的劝阻和制止", "发现违法行为应当进行劝阻和制止；属于本级职责的及时查处，属于县级部门职责的及时通知有关部门。",
     f"{BJ}第二十六条", "", 2, 3, "劝阻,制止,违法行为"),
    ("JB-017", "basic", "enforcement", "统筹协调联合执法", "对需要多个部门协同解决的行政执法事项，统筹协调县级部门派出机构和基层执法力量开展联合执法。",
     f"{SD}第七条第二款", "", 24, 10, "联合执法,多部门"),
    ("JB-018", "basic", "enforcement", "生活垃圾分类组织和日常清扫保洁", "组织开展垃圾分类宣传、督导和公共区域日常清扫保洁，及时清运积存垃圾。",
     f"{BJ}第二十八条", "", 12, 3, "垃圾,垃圾分类,垃圾清运,保洁,卫生"),
    ("JB-019", "basic", "enforcement", "农村人居环境整治和村庄保洁", "组织村庄清洁行动、农村厕所和生活污水治理的日常管护。",
     "《农村人居环境整治提升五年行动方案（2021—2025年）》", "", 24, 10, "垃圾,保洁,人居环境,厕所,污水"),
    # 基本履职事项 — 便民服务
    ("JB-020", "basic", "service", "综合便民服务窗口办理政务服务事项", "设置综合办事窗口，集中办理直接面向居民和辖区单位的政务服务事项。",
     f"{BJ}第十五条第一款", "", 24, 5, "办事窗口,便民服务,政务服务"),
    ("JB-021", "basic", "service", "群众诉求受理和热线工单办理", "对居民直接反映或通过12345热线、媒体等途径反映的正当诉求及时受理、统筹协调。",
     f"{BJ}第十七条第一款", "", 24, 5, "12345,热线,诉求,工单"),
    ("JB-022", "basic", "service", "最低生活保障申请受理和入户调查", "受理最低生活保障申请，组织入户调查、民主评议和公示。",
     "《社会救助暂行办法》第十一条", "", 48, 20, "低保,社会救助,困难群众"),
    ("JB-023", "basic", "service", "居家养老服务和助残服务", "推进居家养老服务，完善辖区助残服务体系。", f"{BJ}第十八条", "", 48, 10, "养老,助残,老人,残疾人"),
    ("JB-024", "basic", "service", "独生子女父母光荣证核发与注销", "受理独生子女父母光荣证申请，审核后核发或注销。",
     "《安徽省人口与计划生育条例》第三十九条、第四十九条", "", 48, 10, "光荣证,计划生育,独生子女"),
    ("JB-025", "basic", "service", "村级便民服务点建设和代缴代办", "推进村级便民服务点建设，开展代缴代办代理等便民服务。",
     f"{SD}第十四条第一款", "", 48, 10, "代办,便民服务点,代缴"),
    ("JB-026", "basic", "service", "指导村（居）民委员会工作", "指导居民委员会、村民委员会依法自治，完善社区服务功能。",
     f"{BJ}第十条第一款第（五）项", "", 48, 15, "村委会,居委会,社区"),
    ("JB-027", "basic", "service", "指导业主大会和业主委员会组建运作", "依法指导和监督辖区住宅小区业主大会、业主委员会的组建及日常运作。",
     f"{SH}第十八条第四款", "", 48, 15, "物业,业委会,业主大会,小区"),
    ("JB-028", "basic", "service", "组织评价公共服务企业服务情况", "组织辖区单位、居民对水、电、气、热、电信等公共服务企业的服务情况进行评价。",
     f"{BJ}第四十五条", "", 48, 20, "供水,供电,燃气,停水,停电"),
    # 配合履职事项 — 综治工作
    ("PH-001", "assisting", "governance", "配合做好公共安全和重大活动安全风险管理", "配合公安机关做好公共安全领域和重大活动的安全风险管理。",
     f"{BJ}第三十三条第一款", "SFX-GA", 12, 5, "公共安全,大型活动,安保"),
    ("PH-002", "assisting", "governance", "配合开展禁毒宣传和涉毒人员排查", "配合公安机关开展禁毒宣传，协助做好社区戒毒、社区康复人员服务管理。",
     "《中华人民共和国禁毒法》", "SFX-GA", 24, 10, "禁毒,吸毒,涉毒"),
    ("PH-003", "assisting", "governance", "配合开展地质灾害隐患巡查", "配合自然资源部门开展地质灾害隐患点巡查、群测群防和险情报告。",
     "《地质灾害防治条例》", "SFX-ZRZY", 4, 5, "滑坡,地质灾害,塌方,山体"),
    ("PH-004", "assisting", "governance", "配合开展森林防火巡查和野外用火管理", "配合开展森林防火宣传、巡山护林和野外用火劝阻。",
     "《森林防火条例》", "SFX-YJGL", 2, 3, "森林防火,山火,野外用火,烧秸秆"),
    # 配合履职事项 — 市场监管
    ("PH-005", "assisting", "market", "配合开展食品安全监督检查",
     "发现食品小作坊、小餐饮和食品摊点存在食品安全隐患或违法行为的，及时告知县市场监管局，并协助其依法处理。",
     f"{SDSP}第三十二条第二款", "SFX-SCJG", 24, 10, "食品,食品安全,小作坊,小餐饮,过期食品"),
    ("PH-006", "assisting", "market", "配合开展电梯等特种设备安全检查", "配合开展住宅小区电梯等特种设备的安全隐患排查，发现隐患及时报告。",
     "《中华人民共和国特种设备安全法》", "SFX-SCJG", 12, 10, "电梯,特种设备,电梯故障"),
    ("PH-007", "assisting", "market", "配合开展农产品质量安全监管", "配合开展农产品质量安全宣传、农药使用指导和抽样检测。",
     "《中华人民共和国农产品质量安全法》", "SFX-NYNC", 48, 15, "农产品,农药残留,农药"),
    ("PH-008", "assisting", "market", "配合查处无证无照经营", "发现无证无照经营的，及时告知县市场监管局并协助查处。",
     "《无证无照经营查处办法》", "SFX-SCJG", 24, 10, "无照经营,无证经营,黑作坊"),
    ("PH-009", "assisting", "market", "配合开展动物防疫和病死畜禽无害化处理", "配合开展强制免疫、疫情报告和病死畜禽收集处理。",
     "《中华人民共和国动物防疫法》", "SFX-NYNC", 12, 5, "动物防疫,病死猪,畜禽,养殖"),
    # 配合履职事项 — 综合执法
    ("PH-010", "assisting", "enforcement", "配合开展餐饮油烟污染治理", "摸排辖区餐饮单位油烟净化设施安装和使用情况，发现问题告知县综合执法局并配合整治。",
     "《中华人民共和国大气污染防治法》第八十一条", "SFX-ZHZF", 24, 10, "油烟,饭店,餐馆,排烟"),
    ("PH-011", "assisting", "enforcement", "配合开展建筑施工噪声污染治理", "发现夜间违规施工等噪声扰民问题及时报告，配合县生态环境分局开展调查处理。",
     "《中华人民共和国噪声污染防治法》", "SFX-STHJ", 12, 5, "噪音,噪声,施工,夜间施工"),
    ("PH-012", "assisting", "enforcement", "配合开展河湖巡查和河道“清四乱”", "落实河湖长制巡河，发现乱占、乱采、乱堆、乱建及河道垃圾及时报告并配合清理。",
     "《中华人民共和国河道管理条例》第二十四条", "SFX-SL", 24, 10, "河道,河湖,河道垃圾,乱堆,水面漂浮物"),
    ("PH-013", "assisting", "enforcement", "配合开展耕地保护动态巡查", "开展耕地保护动态巡查，发现乱占耕地建房等问题及时制止并报告。",
     "《中华人民共和国土地管理法》", "SFX-ZRZY", 24, 10, "耕地,占地,乱占耕地"),
    ("PH-014", "assisting", "enforcement", "配合开展城镇燃气安全检查", "配合开展餐饮场所和居民用户燃气安全检查、宣传，发现隐患及时报告。",
     "《城镇燃气管理条例》", "SFX-ZJ", 4, 5, "燃气,煤气,液化气,燃气泄漏"),
    ("PH-015", "assisting", "enforcement", "配合开展自建房安全隐患排查", "配合开展经营性自建房、农村危房排查，发现险情及时组织人员撤离并报告。",
     "《国务院办公厅关于加强经营性自建房安全管理的通知》", "SFX-ZJ", 4, 10, "危房,自建房,房屋安全,裂缝"),
    # 配合履职事项 — 便民服务
    ("PH-016", "assisting", "service", "配合做好社会救助和临时救助", "配合县民政局做好社会救助工作，及时发现并上报困难群众。",
     f"{BJ}第十八条", "SFX-MZ", 24, 10, "救助,临时救助,困难群众"),
    ("PH-017", "assisting", "service", "配合开展就业服务和欠薪线索收集", "开展就业创业政策宣传，收集农民工欠薪线索并及时报告县人社局。",
     "《保障农民工工资支付条例》", "SFX-RSJ", 24, 10, "欠薪,讨薪,工资,就业"),
    ("PH-018", "assisting", "service", "配合开展基本公共卫生服务和传染病防控", "配合开展健康宣传、预防接种动员和传染病防控。",
     "《中华人民共和国基本医疗卫生与健康促进法》", "SFX-WSJK", 12, 10, "卫生,疫苗,传染病,防疫"),
    ("PH-019", "assisting", "service", "配合开展农村公路日常养护巡查", "开展农村公路日常巡查，发现路面坑洼、塌陷等道路破损及时报告县交通运输局。",
     "《农村公路养护管理办法》", "SFX-JTYS", 24, 10, "道路破损,坑洼,农村公路,路面塌陷"),
    ("PH-020", "assisting", "service", "配合做好残疾人两项补贴审核", "受理困难残疾人生活补贴和重度残疾人护理补贴申请，配合县民政局审核。",
     "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》", "SFX-MZ", 48, 15, "残疾人,补贴"),
    # 上级部门收回事项（负面清单）— 综合执法
    ("FM-001", "negative", "enforcement", "违法建设查处（城镇规划区）",
     "城镇规划区内未取得建设工程规划许可证或者未按照许可证规定进行建设的查处，由县综合执法局负责，乡镇（街道）发现后报告。",
     "《中华人民共和国城乡规划法》第六十四条", "SFX-ZHZF", 24, 15, "违建,违法建设,私搭乱建,加层"),
    ("FM-002", "negative", "enforcement", "占道经营查处", "在城市道路、街道两侧和公共场地占道经营、摆摊设点的查处。",
     "《城市市容和环境卫生管理条例》第十四条；《城市道路管理条例》第二十七条", "SFX-ZHZF", 12, 5, "占道经营,摆摊,流动摊贩,占道"),
    ("FM-003", "negative", "enforcement", "餐饮服务业油烟超标排放行政处罚", "对未安装或未正常使用油烟净化设施、超标排放油烟的餐饮经营者实施行政处罚。",
     "《中华人民共和国大气污染防治法》第一百一十八条", "SFX-ZHZF", 24, 10, "油烟,饭店,餐馆,排烟"),
    ("FM-004", "negative", "enforcement", "城镇道路设施损坏修复和违法挖掘占用查处", "城镇道路、井盖等市政设施损坏的修复，以及擅自挖掘、占用城市道路的查处。",
     "《城市道路管理条例》第二十七条", "SFX-ZJ", 24, 10, "道路破损,路面塌陷,井盖,挖路"),
    ("FM-005", "negative", "enforcement", "户外广告和招牌设置的审批与查处", "户外广告设施、门店招牌设置的审批及违法设置的查处。",
     "《城市市容和环境卫生管理条例》", "SFX-ZHZF", 24, 10, "广告,招牌,广告牌"),
    ("FM-006", "negative", "enforcement", "建筑垃圾和渣土运输监管查处", "建筑垃圾处置核准及渣土车抛洒滴漏、乱倒乱卸的查处。",
     "《城市建筑垃圾管理规定》", "SFX-ZHZF", 12, 5, "渣土,建筑垃圾,抛洒,乱倒"),
    # 负面清单 — 市场监管
    ("FM-007", "negative", "market", "食品生产经营许可和食品安全违法行为查处", "食品生产经营许可以及食品安全违法行为的调查处理，由县市场监管局负责。",
     "《中华人民共和国食品安全法》第六条、第三十五条", "SFX-SCJG", 12, 10, "食品,食品安全,过期食品,餐馆卫生"),
    ("FM-008", "negative", "market", "价格违法行为查处", "不执行明码标价、价格欺诈、乱收费等价格违法行为的查处。",
     "《中华人民共和国价格法》", "SFX-SCJG", 24, 15, "价格,乱收费,明码标价"),
    ("FM-009", "negative", "market", "商品质量和消费者投诉举报处理", "商品质量问题、假冒伪劣商品和消费投诉举报的受理和处理。",
     "《中华人民共和国消费者权益保护法》", "SFX-SCJG", 24, 7, "消费,投诉,假冒伪劣,质量"),
    ("FM-010", "negative", "market", "药品和医疗器械经营使用监管", "药品零售企业、医疗器械经营使用单位的监督检查和违法行为查处。",
     "《中华人民共和国药品管理法》", "SFX-SCJG", 24, 15, "药店,药品,医疗器械"),
    # 负面清单 — 综治工作
    ("FM-011", "negative", "governance", "机动车违法停放和道路交通违法查处", "机动车违法停放、道路交通安全违法行为的查处。",
     "《中华人民共和国道路交通安全法》", "SFX-GA", 2, 3, "违停,乱停车,交通,堵路"),
    ("FM-012", "negative", "governance", "社会生活噪声扰民查处", "文化娱乐场所、商业经营活动和住宅区社会生活噪声扰民的查处。",
     "《中华人民共和国噪声污染防治法》", "SFX-GA", 2, 3, "噪音,噪声,扰民,广场舞"),
    ("FM-013", "negative", "governance", "非法占用土地查处", "未经批准或者采取欺骗手段骗取批准，非法占用土地的查处。",
     "《中华人民共和国土地管理法》第七十七条", "SFX-ZRZY", 24, 20, "占地,非法占地,乱占耕地"),
    ("FM-014", "negative", "governance", "企业安全生产行政执法", "生产经营单位安全生产违法行为的监督检查和行政处罚。",
     "《中华人民共和国安全生产法》第十条", "SFX-YJGL", 12, 10, "安全生产,企业,事故隐患"),
    ("FM-015", "negative", "governance", "企业污染物排放和环境违法查处", "工业企业废水、废气、固体废物违法排放的调查处理。",
     "《中华人民共和国环境保护法》", "SFX-STHJ", 12, 10, "排污,污染,废水,臭味,偷排"),
    ("FM-016", "negative", "governance", "河道采砂和涉河违法建设查处", "非法采砂、在河道管理范围内违法建设的查处。",
     "《中华人民共和国河道管理条例》", "SFX-SL", 24, 15, "河道,采砂,涉河建设"),
    # 负面清单 — 便民服务
    ("FM-017", "negative", "service", "劳动保障监察和欠薪案件查处", "用人单位拖欠工资等劳动保障违法行为的监察和查处。",
     "《劳动保障监察条例》", "SFX-RSJ", 24, 15, "欠薪,拖欠工资,劳动纠纷"),
    ("FM-018", "negative", "service", "医疗机构执业和非法行医查处", "医疗机构执业活动监督及非法行医的查处。",
     "《医疗机构管理条例》", "SFX-WSJK", 24, 15, "非法行医,诊所,黑诊所"),
]

# Version 2 (the county's mid-year revision): two items added, one merged away, three changed.
V2_ADDED = [
    ("PH-021", "assisting", "governance", "配合开展电动自行车违规停放充电隐患排查", "排查楼道、门厅停放电动自行车和“飞线”充电隐患，督促整改并报告。",
     "《高层民用建筑消防安全管理规定》", "SFX-YJGL", 12, 5, "电动车,飞线充电,充电,楼道"),
    ("FM-019", "negative", "enforcement", "城镇排水设施维护和内涝点整治", "城镇排水管网、雨水口等设施的维护以及易涝点的整治。",
     "《城镇排水与污水处理条例》", "SFX-ZJ", 12, 10, "积水,内涝,下水道,排水,污水外溢"),
]
V2_REMOVED = ["JB-013"]
V2_CHANGED = {
    "JB-011": {"description": "根据备案信息当场制作、发放食品摊点信息公示卡，发现未办理的告知其及时办理，并将备案信息告知县市场监管和综合执法部门。"},
    "PH-010": {"response_hours": 12, "resolution_days": 7},
    "PH-019": {"resolution_days": 7, "keywords": "道路破损,坑洼,农村公路,路面塌陷,桥梁"},
}


def _fields(row, departments):
    code, kind, category, title, description, legal_basis, dept, hours, days, keywords = row
    return {
        "code": code, "kind": kind, "category": category, "title": title, "description": description,
        "legal_basis": legal_basis, "department": departments[dept] if dept else None, "response_hours": hours,
        "resolution_days": days, "keywords": keywords,
    }


def seed(stdout=None):
    county = Unit.objects.get(code="SFX")
    editor = get_user_model().objects.get(username="editor")
    departments = {u.code: u for u in Unit.objects.filter(code__startswith="SFX-")}
    duty_list = DutyList.objects.filter(code=LIST_CODE).first()
    if duty_list is None:
        duty_list = services.list_create(
            actor=editor, code=LIST_CODE, name=LIST_NAME, level=Level.TOWNSHIP, jurisdiction=county,
            description="适用于示范县所有乡镇（街道）。基本履职事项由乡镇（街道）负责；配合履职事项由县级部门牵头、乡镇（街道）配合；"
                        "上级部门收回事项（负面清单）由县级部门负责，乡镇（街道）可不承担。",
        )
    versions = {v.number: v for v in duty_list.versions.all()}
    if not any(v.status != VersionStatus.DRAFT for v in versions.values()):
        draft = versions.get(1) or services.list_draft_start(duty_list=duty_list, actor=editor)
        if not draft.items.exists():
            for row in ITEMS + demo_county.rows():
                services.list_item_add(version=draft, actor=editor, **_fields(row, departments))
        services.list_publish(
            version=draft, actor=editor, effective_date=datetime.date(2026, 1, 1),
            change_note="首次公布。经县委编办会同县直有关部门审核，县政府常务会议审议通过。",
        )
    latest = duty_list.versions.order_by("-number").first()
    if latest.number == 1 and latest.status == VersionStatus.PUBLISHED:
        draft = services.list_draft_start(duty_list=duty_list, actor=editor)
        for row in V2_ADDED:
            services.list_item_add(version=draft, actor=editor, **_fields(row, departments))
        for item in draft.items.filter(code__in=V2_REMOVED):
            services.list_item_remove(item=item, actor=editor)
        for code, changes in V2_CHANGED.items():
            services.list_item_update(item=draft.items.get(code=code), actor=editor, **changes)
        services.list_publish(
            version=draft, actor=editor, effective_date=datetime.date(2026, 7, 1),
            change_note="年中修订：新增电动自行车充电隐患排查、城镇排水设施维护；合并食品摊点公示卡事项；调整油烟治理和农村公路巡查时限。",
        )
    if stdout:
        current = duty_list.versions.get(status=VersionStatus.PUBLISHED)
        stdout.write(f"responsibilities: {duty_list.name} v{current.number}, {current.items.count()} items")
