"""The official forms of the city's plan, defined once, as data.

Every stage reads this module: the reader anchors on the labels (and their variants), the
validator applies the rules, the template writer lays out the cells, the scorer and the
outputs take their labels from here. Source: 附件2–6 of the 实施方案 and ``forms.md``.
Nothing here does any work; it only describes.
"""

from __future__ import annotations

from dataclasses import dataclass

# ---------------------------------------------------------------------------
# Field descriptions
# ---------------------------------------------------------------------------

# Kinds of values a field can hold; the normaliser has one parser per kind.
TEXT = "text"
DATE = "date"
COUNT = "count"
DECIMAL = "decimal"
PERCENT = "percent"
CHOICE = "choice"  # exactly one of `options`
MULTI = "multi"  # a set of `options`
LIST = "list"  # free text items split on separators
YESNO = "yesno"
NUMBER_LIST = "number_list"


@dataclass(frozen=True)
class Option:
    id: str
    label: str
    variants: tuple[str, ...] = ()


@dataclass(frozen=True)
class Field:
    id: str
    label: str
    kind: str
    required: bool = False
    options: tuple[Option, ...] = ()
    variants: tuple[str, ...] = ()  # other spellings seen in county files
    unit: str = ""
    hint: str = ""  # what the template's input prompt says

    @property
    def anchors(self) -> tuple[str, ...]:
        """Every spelling the reader accepts, the official label first."""
        return (self.label, *self.variants)

    def option_by_id(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


# ---------------------------------------------------------------------------
# County-level units
# ---------------------------------------------------------------------------

COUNTIES: tuple[str, ...] = (
    "任城区", "兖州区", "曲阜市", "邹城市", "微山县", "鱼台县", "金乡县", "嘉祥县",
    "汶上县", "泗水县", "梁山县", "济宁高新区", "太白湖新区", "济宁经济技术开发区",
)
# Default 主城区 membership; the registry's 是否主城区 column overrides it.
MAIN_CITY_COUNTIES: frozenset[str] = frozenset(
    {"任城区", "兖州区", "济宁高新区", "太白湖新区", "济宁经济技术开发区"}
)
# Short forms counties write; normalised to the full name.
COUNTY_ALIASES: dict[str, str] = {
    "任城": "任城区", "兖州": "兖州区", "曲阜": "曲阜市", "邹城": "邹城市",
    "微山": "微山县", "鱼台": "鱼台县", "金乡": "金乡县", "嘉祥": "嘉祥县",
    "汶上": "汶上县", "泗水": "泗水县", "梁山": "梁山县",
    "高新区": "济宁高新区", "济宁高新技术产业开发区": "济宁高新区",
    "太白湖": "太白湖新区", "太白湖区": "太白湖新区",
    "经开区": "济宁经济技术开发区", "济宁经开区": "济宁经济技术开发区",
    "经济技术开发区": "济宁经济技术开发区",
}

# 附件4 answers as 问卷星 (the questionnaire service counties use) exports them: a multi-choice
# question's answers joined with ┋; a question the logic skipped written -3 or "(跳过)", a
# fill-in left blank -2 or "(空)". The reader and the demo's exports both take them from here.
SURVEY_MULTI_JOIN = "┋"
SURVEY_SKIPPED = ("(跳过)", -3)
SURVEY_BLANK = ("(空)", -2)

NO_NAME = "（未填名称）"  # a circle or project shown where its name was left blank

# The plan's city-wide targets (提升目标), due 2025-12-31; jnqh.targets makes them settable.
TARGET_CIRCLES = 120
TARGET_MAIN_CITY = 80
TARGET_SATISFACTION_PCT = 95
TARGET_BASIC_SHARE_PCT = 90

# ---------------------------------------------------------------------------
# 附件5 试点社区便民生活圈建设情况调查表
# ---------------------------------------------------------------------------

FORM5_TITLE = "试点社区便民生活圈建设情况调查表"

OPERATORS = (
    Option("street_community", "街道（社区）", ("街道(社区)", "街道", "社区")),
    Option("soe", "国企", ("国有企业",)),
    Option("private", "民营企业", ("民企",)),
    Option("professional", "专业运营商",),
    Option("self_operated", "网点各自经营", ("各自经营",)),
)
LAYOUTS = (
    Option("clustered", "集聚式为主", ("集聚式",)),
    Option("neighborhood", "街坊式为主", ("街坊式",)),
    Option("distributed", "分布式为主", ("分布式",)),
)

CIRCLE_FIELDS: tuple[Field, ...] = (
    Field("name", "试点生活圈名称", TEXT, required=True, variants=("生活圈名称",),
          hint="填写名册中的生活圈全称"),
    Field("county", "所在县市区", TEXT, required=True, variants=("县市区", "所在县（市、区）"),
          hint="从下拉列表选择"),
    Field("as_of", "截至日期", DATE, required=True, variants=("截止日期",),
          hint="如 2024-04-30，不能晚于今天"),
    Field("operators", "运营主体", MULTI, required=True, options=OPERATORS,
          variants=("运营主体（多选，打√）", "运营主体（多选）"), hint="可多选，在选项旁打√"),
    Field("layout", "发展形态", CHOICE, required=True, options=LAYOUTS, hint="只选一项"),
    Field("boundaries", "四至范围", TEXT, required=True, hint="东至…西至…南至…北至…"),
    Field("communities", "服务社区", LIST, required=True,
          hint="多个社区用顿号（、）分隔"),
    Field("platform", "便民生活圈智慧服务平台", TEXT,
          variants=("便民生活圈智慧服务平台（如有，请列出名称）",), hint="如有，写平台名称；没有留空"),
    Field("centers", "社区商业中心（邻里中心）数量", COUNT, unit="座",
          variants=("社区商业中心（邻里中心）数量（座）",), hint="整数"),
    Field("residents_10k", "生活圈服务覆盖的居民数量", DECIMAL, unit="万人",
          variants=("生活圈服务覆盖的居民数量（万人）", "服务覆盖的居民数量"),
          hint="单位：万人，如 1.2 表示 12000 人"),
    Field("facility_area_pct", "社区商业和综合服务设施面积占社区总建筑面积的比例", PERCENT, unit="％",
          variants=("社区商业和综合服务设施面积占社区总建筑面积的比例（％）",), hint="填百分数，如 12 表示 12%"),
    Field("notes", "说明", TEXT),
)
CIRCLE_FIELD = {f.id: f for f in CIRCLE_FIELDS}

# Plausible range of 万人 before a warning; a value far above it is people, not 万人.
RESIDENTS_10K_RANGE = (0.1, 10.0)
RESIDENTS_PEOPLE_THRESHOLD = 100  # ≥ this many "万人" is surely a head count
FACILITY_AREA_MIN_PCT = 10  # 新建居住区 ≥ 10 %
STAFF_PER_OUTLET_MAX_10K = 0.01  # > 100 people per outlet: typed people, not 万人


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    kind: str
    variants: tuple[str, ...] = ()
    unit: str = ""


OUTLET_COLUMNS: tuple[Column, ...] = (
    Column("outlets", "商业网点（店铺）数量合计（个）", COUNT, ("商业网点数量合计", "商业网点（店铺）数量合计", "网点数量"), "个"),
    Column("staff_10k", "从业人数（万人）", DECIMAL, ("从业人数",), "万人"),
    Column("chain", "其中：品牌连锁店数量（个）", COUNT, ("品牌连锁店数量", "其中：品牌连锁店", "连锁店数量"), "个"),
    Column("satisfaction_pct", "居民满意度（%）", PERCENT, ("居民满意度", "满意度")),
    Column("needs", "问需于民调查时居民反映还“缺什么”（需求清单）", TEXT, ("需求清单", "缺什么")),
)
OUTLET_COLUMN = {c.id: c for c in OUTLET_COLUMNS}
OUTLET_NUMERIC = ("outlets", "staff_10k", "chain")


@dataclass(frozen=True)
class Category:
    id: str
    label: str
    group: str  # "basic" | "quality"
    variants: tuple[str, ...] = ()
    presence_types: tuple[str, ...] = ()  # 附件2 types this row counts outlets for


GROUP_LABELS = {"basic": "基本保障类", "quality": "品质提升类"}
TOTAL_LABEL = "合计"
# Words that stand alone in the first cell of a list's sum row (a 附件6 合计 row is no project).
TOTAL_ROW_WORDS = (TOTAL_LABEL, "总计", "小计")

CATEGORIES: tuple[Category, ...] = (
    Category("convenience_store", "便利店", "basic", presence_types=("convenience_store",)),
    Category("supermarket", "综合超市", "basic", presence_types=("supermarket",)),
    Category("wet_market", "菜市场", "basic", ("菜市场（菜店）",), ("wet_market",)),
    Category("fresh_grocery", "生鲜超市（菜店）", "basic", ("生鲜超市",), ("fresh_supermarket",)),
    Category("breakfast", "早餐店", "basic", presence_types=("breakfast",)),
    Category("repair", "维修点", "basic", ("小修小补点",), ("repair",)),
    Category("laundry", "洗染店", "basic", ("洗衣店",), ("laundry",)),
    Category("hair_beauty", "美容美发店", "basic", ("理发店",), ("barber",)),
    Category("photo_print", "照相文印店", "basic", presence_types=("photo_print",)),
    Category("pharmacy", "药店", "basic", presence_types=("pharmacy",)),
    Category("housekeeping", "家政服务", "basic", ("家政服务点",), ("housekeeping",)),
    Category("postal_express", "邮政快递综合服务点（快件箱组）", "basic",
             ("邮政快递综合服务点",), ("postal_express",)),
    Category("recycling", "再生资源回收点", "basic", presence_types=("recycling",)),
    Category("basic_other", "其他", "basic"),
    Category("fitness", "运动健身", "quality", ("健身场地",), ("fitness",)),
    Category("specialty_dining", "特色餐饮店", "quality", presence_types=("specialty_dining",)),
    Category("elderly_care", "养老站点", "quality", presence_types=("elderly_care",)),
    Category("childcare", "托育站点", "quality", presence_types=("childcare",)),
    Category("wellness", "保健养生", "quality", ("保健理疗店",), ("wellness",)),
    Category("education", "教育培训", "quality", ("艺术培训点",), ("art_training",)),
    Category("leisure", "休闲娱乐", "quality"),
    Category("quality_other", "其他", "quality"),
)
CATEGORY = {c.id: c for c in CATEGORIES}

# ---------------------------------------------------------------------------
# 附件6 试点社区便民生活圈建设项目清单表 (columns after 项目名称 are a design choice)
# ---------------------------------------------------------------------------

FORM6_TITLE = "试点社区便民生活圈建设项目清单表"
PROJECT_KINDS = ("新建", "改造提升", "业态补齐", "智慧化改造", "其他")
PROJECT_STATUSES = ("未开工", "在建", "已完成", "暂缓")
STATUS_DONE = "已完成"

PROJECT_FIELDS: tuple[Field, ...] = (
    Field("county", "县市区", TEXT, variants=("所在县市区",)),
    Field("circle", "生活圈名称", TEXT, variants=("试点生活圈名称", "所属生活圈")),
    Field("community", "社区名称", TEXT, required=True, variants=("社区",)),
    Field("name", "项目名称", TEXT, required=True),
    Field("kind", "项目类型", CHOICE, options=tuple(Option(k, k) for k in PROJECT_KINDS)),
    Field("category", "补齐业态", TEXT, variants=("补齐业态类型",)),
    Field("content", "建设内容", TEXT, variants=("主要建设内容",)),
    Field("investment_10k_yuan", "总投资（万元）", DECIMAL, unit="万元", variants=("总投资", "计划投资（万元）")),
    Field("invested_10k_yuan", "已完成投资（万元）", DECIMAL, unit="万元", variants=("已完成投资", "完成投资（万元）")),
    Field("start", "开工时间", DATE, variants=("开工日期",)),
    Field("planned_finish", "计划完成时间", DATE, variants=("计划完工时间", "完成时限", "计划完成日期")),
    Field("status", "进展情况", CHOICE, options=tuple(Option(s, s) for s in PROJECT_STATUSES),
          variants=("项目进展", "进度")),
    Field("finished", "实际完成时间", DATE, variants=("实际完工时间", "完成时间")),
    Field("owner", "责任单位", TEXT, required=True, variants=("责任主体",)),
    Field("contact", "联系人及电话", TEXT, variants=("联系人", "联系电话")),
    Field("notes", "备注", TEXT),
)
PROJECT_FIELD = {f.id: f for f in PROJECT_FIELDS}

# ---------------------------------------------------------------------------
# 附件2 业态“有没有” — 50 types
# ---------------------------------------------------------------------------

FORM2_TITLE = "一刻钟便民生活圈业态“有没有”分型表"


@dataclass(frozen=True)
class PresenceType:
    id: str
    label: str
    group: str
    variants: tuple[str, ...] = ()


def _types(group: str, pairs: str) -> tuple[PresenceType, ...]:
    out = []
    for line in pairs.strip().splitlines():
        type_id, label, *variants = line.split()
        out.append(PresenceType(type_id, label, group, tuple(variants)))
    return tuple(out)


PRESENCE_TYPES: tuple[PresenceType, ...] = _types("basic", """
convenience_store 便利店
supermarket 综合超市
wet_market 菜市场（菜店） 菜市场 菜店
fresh_supermarket 生鲜超市
breakfast 早餐店
casual_dining 大众餐饮店（有外卖服务） 大众餐饮店
staple_kitchen 主食厨房
barber 理发店
laundry 洗衣店
pharmacy 药店
photo_print 照相文印店
hardware 五金杂货店
housekeeping 家政服务点
repair 小修小补点
property_service 物业服务点
recycling 再生资源回收点
postal_express 邮政快递综合服务场所或智能快件（信包）箱 邮政快递综合服务场所
mobile_vendor 移动售卖点（报刊亭等） 移动售卖点
water_dispenser 自助取水机
bank 银行网点（含取款机） 银行网点
""") + _types("quality", """
elderly_care 社区养老服务机构 社区养老服务机构（含社区养老院、为老服务中心、日间照料中心等）
childcare 托育机构（含托育点） 托育机构
kids_play 儿童娱乐中心
neighborhood_center 邻里中心（商业服务中心） 邻里中心
art_training 艺术培训点
specialty_dining 特色餐饮店
tea_coffee 茶饮咖啡店
bakery 蛋糕房
bookstore 新式书店
florist 花店
optician 眼镜店
stationery 文具店
sporting_goods 体育用品店
brand_store 专卖店
lifestyle_store 生活馆
fitness 健身场地
cinema 电影院
performance_venue 文娱演出场所
chess_cards 棋牌室
wellness 保健理疗店
beauty_spa 美容美体店
bathhouse 沐浴店
hotel 住宿酒店
car_wash 洗车行
car_repair 汽车维修店
pet_services 宠物服务店
community_canteen 社区食堂
smart_store 智慧商店
self_storage 自助寄存仓
vending_machine 自动贩卖机
""")
PRESENCE = {t.id: t for t in PRESENCE_TYPES}
BASIC_TYPES = tuple(t for t in PRESENCE_TYPES if t.group == "basic")
QUALITY_TYPES = tuple(t for t in PRESENCE_TYPES if t.group == "quality")
PRESENCE_COLUMNS = ("有/无", "数量（个）")
PRESENT, ABSENT = "有", "无"

# ---------------------------------------------------------------------------
# 附件3 服务“好不好” — the facts the rubric is scored from
# ---------------------------------------------------------------------------

FORM3_TITLE = "一刻钟便民生活圈服务“好不好”评价表"


def _opts(labels: str) -> tuple[Option, ...]:
    return tuple(Option(label, label) for label in labels.split())


STORE_SERVICES = _opts("打印复印 代扣代缴 代收代发 家政预约 洗衣预约 充值缴费 快递代收 药品代购 鲜花预订 其他")
MARKET_SERVICES = _opts("药残快速检测 价格公示 公平秤 明码标价 定期消毒")
REPAIR_KINDS = _opts("修表 修鞋 修家电 修自行车 开锁配钥匙 改衣服 修电子产品 家具维修 箱包维修")
ELDERLY_SERVICES = _opts("生活照料 紧急救援 健康管理 康复护理 精神慰藉")
CHILDCARE_SERVICES = _opts("全日托 半日托 临时托 计时托 营养餐")
HARMONY_LEVELS = ("符合", "基本符合", "不符合")
ELDERLY_AREA_CHOICES = (
    Option("yes", "达标", ("是", "符合")),
    Option("no", "不达标", ("否", "不符合")),
    Option("none", "无养老场所", ("无", "无场所")),
)

TERMINAL_KINDS = (
    Option("express_locker", "智能快递柜", ("快递柜",)),
    Option("vending_machine", "自助售货机", ("售货机",)),
    Option("smart_sports", "智能文体设施",),
    Option("water_dispenser", "自助取水机",),
    Option("recycling_machine", "智能回收机",),
    Option("unmanned_store", "无人值守便利店",),
    Option("storage_locker", "自助寄存柜",),
    Option("other", "其他",),
)

SERVICE_FACTS: tuple[Field, ...] = (
    Field("needs_list", "已建立需求清单", YESNO),
    Field("project_list", "已建立项目清单", YESNO),
    Field("projects_done", "已落实相关建设内容", YESNO, hint="留空时按附件6项目完成情况推算"),
    Field("survey_sample", "满意度调查有效样本数", COUNT, unit="份",
          variants=("满意度调查有效样本数（份）",)),
    Field("business_satisfaction_pct", "业态满意度", PERCENT, unit="%", variants=("业态满意度（%）",),
          hint="留空时按附件4问卷计算"),
    Field("service_satisfaction_pct", "服务满意度", PERCENT, unit="%", variants=("服务满意度（%）",),
          hint="留空时按附件4问卷计算"),
    Field("store_services", "便利店叠加便民服务", MULTI, options=STORE_SERVICES,
          variants=("便利店叠加便民服务（多选）",)),
    Field("stores_24h", "24小时便利店数量", COUNT, unit="家", variants=("24小时便利店数量（家）",)),
    Field("breakfast_kinds", "早餐品类数（主食+汤粥类）", COUNT, variants=("早餐品类数",)),
    Field("breakfast_delivery", "有配送到家的早餐网点", YESNO),
    Field("retail_delivery", "有配送到家的零售网点", YESNO),
    Field("market_area_m2", "菜市场（生鲜超市）总建筑面积", DECIMAL, unit="㎡",
          variants=("菜市场（生鲜超市）总建筑面积（㎡）", "菜市场总建筑面积")),
    Field("market_sites_m2", "各处菜市场面积", NUMBER_LIST, unit="㎡",
          variants=("各处菜市场面积（㎡，多处用、分隔）",), hint="多处用顿号分隔，如 800、1200"),
    Field("market_services", "菜市场服务", MULTI, options=MARKET_SERVICES, variants=("菜市场服务（多选）",)),
    Field("repair_kinds", "小修小补业态", MULTI, options=REPAIR_KINDS, variants=("小修小补业态（多选）",)),
    Field("elderly_area_ok", "养老服务场所面积达标", CHOICE, options=ELDERLY_AREA_CHOICES),
    Field("elderly_services", "养老服务项目", MULTI, options=ELDERLY_SERVICES, variants=("养老服务项目（多选）",)),
    Field("childcare_area_m2", "托育场所面积", DECIMAL, unit="㎡", variants=("托育场所面积（㎡）",),
          hint="没有托育场所留空"),
    Field("childcare_services", "托育服务项目", MULTI, options=CHILDCARE_SERVICES,
          variants=("托育服务项目（多选）",)),
    Field("scan_pay_monitoring", "主要消费场所有扫码结算和智能监控", YESNO),
    Field("terminals", "智能终端设备", MULTI, options=TERMINAL_KINDS, unit="台"),
    Field("wayfinding_map", "生活圈导视图符合要求", YESNO),
    Field("merchants_total", "生活圈商户总数", COUNT, unit="户", variants=("生活圈商户总数（户）",),
          hint="留空时取附件5合计网点数"),
    Field("merchants_on_platform", "入驻智慧服务平台商户数", COUNT, unit="户",
          variants=("入驻智慧服务平台商户数（户）",)),
    Field("residents_registered", "平台注册居民数", COUNT, unit="人", variants=("平台注册居民数（人）",)),
    Field("harmony", "商居和谐", CHOICE, options=tuple(Option(h, h) for h in HARMONY_LEVELS)),
)
SERVICE_FACT = {f.id: f for f in SERVICE_FACTS}

# 促消费活动 are rows (名称, 日期) of their own sheet.
EVENTS_LABEL = "促消费活动"
EVENT_COLUMNS = (
    Column("circle", "生活圈名称", TEXT),
    Column("name", "活动名称", TEXT),
    Column("date", "活动日期", DATE, ("日期", "开展日期")),
)

# The rubric items of 附件3, for labelling self-scores (numbers live in rubric.py).
SERVICE_ITEM_NAMES = (
    "问需于民", "业态满意", "服务满意", "“一店一早”服务", "“一菜一修”服务",
    "“一老一小”服务", "品质质量", "促消费活动", "智慧服务", "商居和谐",
)
SELF_SCORE_LABEL = "自评得分"
# Words that head columns or rows of the seed's 附件2/附件3 tables without being field labels.
RUBRIC_TABLE_HEADERS = ("评价类别", "评价指标")
RUBRIC_TOTAL_LABELS = ("总分", "分值总计")  # 附件3 and 附件2 print their totals so
NOTE_COLUMN_HEADERS = ("说明", "单位", "备注")

# ---------------------------------------------------------------------------
# 附件4 满意度调查表 — the seven rated questions
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyQuestion:
    id: str
    prefix: str
    options: tuple[str, ...]
    positive: tuple[str, ...]
    group: str  # "business" | "service"


SURVEY_QUESTIONS: tuple[SurveyQuestion, ...] = (
    SurveyQuestion("q_basic", "您认为上述基本保障类业态，是否能够满足",
                   ("能够满足", "基本满足", "不能满足"), ("能够满足", "基本满足"), "business"),
    SurveyQuestion("q_quality", "您认为上述品质提升类业态，是否能够满足",
                   ("能够满足", "基本满足", "不能满足"), ("能够满足", "基本满足"), "business"),
    SurveyQuestion("q_convenience", "您认为在一刻钟便民生活圈中消费是否足够便利",
                   ("非常便利", "比较便利", "不便利"), ("非常便利", "比较便利"), "service"),
    SurveyQuestion("q_service", "您对于一刻钟便民生活圈中购物、餐饮、生活服务等商业网点的服务体验",
                   ("很满意", "比较满意", "不满意"), ("很满意", "比较满意"), "service"),
    SurveyQuestion("q_smart", "您对于一刻钟便民生活圈中的商业网点提供的智能结算",
                   ("很满意", "比较满意", "不满意"), ("很满意", "比较满意"), "service"),
    SurveyQuestion("q_order", "您认为一刻钟便民生活圈中的商业网点在经营中是否做到规范有序",
                   ("全部做到", "大部分做到", "少部分做到"), ("全部做到", "大部分做到"), "service"),
    SurveyQuestion("q_harmony", "您认为一刻钟便民生活圈是否实现商居和谐",
                   ("已经实现", "基本实现", "没有实现"), ("已经实现", "基本实现"), "service"),
)
SURVEY_RESIDENCE_KEYS = ("小区", "社区")
SURVEY_SAMPLE_SHARE = 0.10  # 样本不少于本生活圈服务人口的10%

# ---------------------------------------------------------------------------
# The registry workbook
# ---------------------------------------------------------------------------

REGISTRY_CIRCLES_SHEET = "生活圈名册"
REGISTRY_CONTACTS_SHEET = "联系人"
REGISTRY_CIRCLE_COLUMNS = (
    Column("county", "县市区", TEXT),
    Column("name", "生活圈名称", TEXT),
    Column("main_city", "是否主城区", YESNO),
    Column("street", "街道", TEXT),
    Column("year", "计划验收年度", COUNT),
)
REGISTRY_CONTACT_COLUMNS = (
    Column("county", "县市区", TEXT),
    Column("person", "联系人", TEXT),
    Column("email", "邮箱", TEXT, ("电子邮箱", "Email", "E-mail")),
    Column("phone", "电话", TEXT, ("联系电话",)),
)

# ---------------------------------------------------------------------------
# Ticks and separators (conventions of forms.md)
# ---------------------------------------------------------------------------

# ☒ is how Word renders a ticked check box when the form is pasted from the .docx.
TICK_MARKS = frozenset("√✓✔☑■▣●☒")
TICK_WORDS = frozenset({"是", "有", "y", "yes", "1", "true", "√"})
UNTICK_MARKS = frozenset("□☐")
# Word's Insert › Symbol in a symbol font gives private-use code points (the font's letters
# shifted to U+F0xx): Wingdings 2 R ☑, P ✓, S/T ☒, £ □; Wingdings þ ☑, ü ✓, x/ý ☒, ¨ □.
# They are read as the marks they show; any other private-use character in an options box
# is a warning naming it (V-SYMBOL), never a silent "not ticked".
# Typed as the font's letters in a rich-text run of that font, they are read the same way.
SYMBOL_FONT_LETTERS: dict[str, dict[str, str]] = {
    "wingdings 2": {"R": "☑", "P": "✓", "S": "☒", "T": "☒", "£": "□"},
    "wingdings": {"þ": "☑", "ü": "✓", "x": "☒", "ý": "☒", "¨": "□"},
}
SYMBOL_FONT_MARKS: dict[str, str] = {chr(0xF000 + ord(letter)): mark for letters in SYMBOL_FONT_LETTERS.values()
                                     for letter, mark in letters.items()}
PRIVATE_USE = ("\ue000", "\uf8ff")  # the Unicode private-use area symbol fonts map into
# A letter of a known symbol font that the table does not know: kept one block above U+F0xx,
# where SYMBOL_FONT_MARKS (both fonts at once) cannot read it as the other font's tick, and
# named as the code point the font gives it.
UNKNOWN_LETTER_SHIFT = 0xF100


def unknown_symbol_letter(letter: str) -> str:
    """The private-use character standing for `letter` of a symbol font we cannot read."""
    return chr(UNKNOWN_LETTER_SHIFT + ord(letter))
UNTICK_WORDS = frozenset({"否", "无", "没有", "暂无", "n", "no", "0", "false"})
LIST_SEPARATORS = "、，,；;\n/／"

# Chinese placeholders for "nothing" (forms.md terms). A cell holding only dashes or slashes
# (`——`, `—`, `-`, `/`, `／`, after folding) means "nothing to report here" for every kind:
# it is read as blank. A none word (`无`, `没有`, `暂无`) says "there is none": per kind,
# NONE_MEANS gives what it is read as (a count of 0, a no, nothing ticked, or blank — a
# percentage, date or name of nothing is not a value). A choice that offers a "none" option
# (养老场所 `无`) takes that option first. `0个`, `0家` are ordinary numbers with a unit.
PLACEHOLDER_DASHES = frozenset("-‐‑‒–—―−－/／\\")
NONE_WORDS = frozenset({"无", "没有", "暂无", "尚无", "无此项"})
ZERO, FALSE, NOTHING = "zero", "false", "nothing"
NONE_MEANS: dict[str, str] = {
    COUNT: ZERO, DECIMAL: ZERO, YESNO: FALSE, MULTI: NOTHING, LIST: NOTHING,
    NUMBER_LIST: NOTHING, TEXT: NOTHING, PERCENT: NOTHING, DATE: NOTHING, CHOICE: NOTHING,
}


# ---------------------------------------------------------------------------
# Look-ups used by messages and outputs
# ---------------------------------------------------------------------------


def field_label(path: str) -> str:
    """The Chinese label for a field path such as ``categories.breakfast.outlets``."""
    parts = path.split(".")
    head = parts[0]
    if head in CIRCLE_FIELD and len(parts) == 1:
        return CIRCLE_FIELD[head].label
    if head == "total" and len(parts) == 1:
        return TOTAL_LABEL
    if head in ("categories", "total") and len(parts) >= 2:
        row = TOTAL_LABEL if head == "total" else _category_title(parts[1])
        column_id = parts[-1] if parts[-1] in OUTLET_COLUMN else None
        column = OUTLET_COLUMN[column_id].label if column_id and len(parts) == (2 if head == "total" else 3) else ""
        return f"{row} {column}".strip()
    if head == "presence":
        if len(parts) == 2 and parts[1] in PRESENCE:
            return f"附件2 {PRESENCE[parts[1]].label}"
        return f"附件2 {FORM2_TITLE}"
    if head == "service" and len(parts) >= 2 and parts[1] in SERVICE_FACT:
        return SERVICE_FACT[parts[1]].label
    if path == "service.events":
        return EVENTS_LABEL
    if head == "project" and len(parts) == 2 and parts[1] in PROJECT_FIELD:
        return PROJECT_FIELD[parts[1]].label
    return path


def _category_title(category_id: str) -> str:
    category = CATEGORY.get(category_id)
    if category is None:
        return category_id
    if category.label == "其他":
        return f"{GROUP_LABELS[category.group]}·其他"
    return category.label


# ---------------------------------------------------------------------------
# Added by the template writer (jnqh/template.py) — for the lead to review
# ---------------------------------------------------------------------------

# Stamped into every generated template (填报说明), so a returned workbook says which form
# definition it was made from. Bump it whenever a label, option or field above changes.
FORMS_VERSION = "2024.1"

# The 附件3 rubric item number(s) each service fact feeds: the 序号 column of the template's
# 附件3 sheet. Items 7 (品质质量, from 附件5) and 8 (促消费活动, own sheet) have no fact here.
SERVICE_FACT_ITEMS: dict[str, tuple[int, ...]] = {
    "needs_list": (1,), "project_list": (1,), "projects_done": (1,),
    "survey_sample": (2, 3), "business_satisfaction_pct": (2,), "service_satisfaction_pct": (3,),
    "store_services": (4,), "stores_24h": (4,), "breakfast_kinds": (4,),
    "breakfast_delivery": (4,), "retail_delivery": (4,),
    "market_area_m2": (5,), "market_sites_m2": (5,), "market_services": (5,), "repair_kinds": (5,),
    "elderly_area_ok": (6,), "elderly_services": (6,),
    "childcare_area_m2": (6,), "childcare_services": (6,),
    "scan_pay_monitoring": (9,), "terminals": (9,), "wayfinding_map": (9,),
    "merchants_total": (9,), "merchants_on_platform": (9,), "residents_registered": (9,),
    "harmony": (10,),
}

# Labels of the template's own table heads (the reader anchors on them too).
FORM5_TABLE_HEADERS = ("分类", "主要业态网点")  # the seed's first two columns of the outlet table
FORM2_HEADERS = ("类别", "业态")  # 附件2 sheet: before the per-circle columns
FORM3_HEADERS = ("序号", "指标", "填报说明")  # 附件3 sheet: before the per-circle columns
YES_NO = ("是", "否")  # what a YESNO cell offers
SELF_CHECK_HEADER = "自查提示"  # the template's formula column that names each row's problems
