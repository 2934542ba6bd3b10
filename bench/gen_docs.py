"""Realistic Chinese government documents for the search benchmark, scaled to any N.

Everything is generated from the templates and vocabulary below (fictional cities, counties,
townships, villages, agencies, people and companies), deterministically from a seed, so a fresh
clone reproduces the same corpus. The mix imitates what a county portal publishes: 通知, 办法 and
条例 with articles, 低保 standards with structured ``allowance`` data, 公示 lists full of names,
budgets and procurement notices full of numbers, 办事指南, 政策解读 in question-and-answer form,
annual disclosure reports, holiday notices, and a few very long plans and rule books.

Body length follows a log-normal (median ~1,400 characters, most documents 500–3,000) with about 4 %
long documents of 10,000–60,000 characters. About a quarter of bodies are HTML (``<p>``, ``<h3>``,
``<table>``), the rest plain text, as portals deliver both.

Optionally (``--mine PATH``) sentences from a real corpus JSONL are mixed into the filler
paragraphs for more natural word frequencies; without it the generator stands alone.

Usage::

    python bench/gen_docs.py --n 20000 --out /tmp/gen-20000.jsonl [--seed 1] [--mine corpus.jsonl]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["ANCHORS", "Generator", "generate", "mine_sentences"]

# -- vocabulary --------------------------------------------------------------------------------

# Characters fictional place names are built from (two characters each, like most Chinese places).
_PLACE_CHARS = (
    "安宁平和泰康顺昌兴隆永丰富源清河溪川江湖山岭峰石桥林松柏桃李梅竹兰云霞阳春秋东西南北中"
    "新华光明德仁义礼信忠孝文武金银玉宝龙凤鹤鹿马牛羊田禾谷米麦水泉井塘湾滩洲岛城关堡寨营屯"
    "坪坝坡岗沟峪岩洞庄集店铺镇口门湘沅澧资涟汨浏渌洣潇蒸舂耒郴桂柳邕漓浔榕闽瓯婺衢甬嘉湖苕"
    "临岚澜沐汀涵淇洛伊汝颍汾沁漳滏滹沱滦蓟冀燕赵晋秦陇岷洮渭泾汧邠岐雍凉甘肃宁夏青黄白赤绿"
)
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
_GIVEN = (
    "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆帅旭"
    "宁亮成志国建新春林海波荣光福生金山水德文武永兴昌富贵祥瑞淑珍凤梅翠云莲香月琴喜根来宝顺"
)
_COMPANY_WORDS = [
    "建设",
    "建筑",
    "工程",
    "路桥",
    "水利",
    "环保",
    "科技",
    "信息",
    "网络",
    "医药",
    "物业",
    "园林",
    "绿化",
    "农业",
    "生态",
    "实业",
    "贸易",
    "劳务",
    "设计",
    "咨询",
    "监理",
    "检测",
    "电气",
    "机械",
    "交通",
    "市政",
    "装饰",
    "安装",
    "食品",
    "粮油",
    "物流",
    "餐饮",
    "保洁",
    "安防",
]
_COMPANY_SUFFIX = ("有限公司", "有限责任公司", "股份有限公司", "集团有限公司", "工程有限公司")
_PROVINCES = ("青川省", "岚江省", "云岭省", "沅澧省", "汾河省", "泾渭省")

_CN_DIGITS = "零一二三四五六七八九"

# Departments: (name, short form in doc numbers, the domains it writes about)
_DEPARTMENTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "人民政府",
        "政发",
        ("general", "assistance", "rural", "housing", "employment", "environment"),
    ),
    (
        "人民政府办公室",
        "政办发",
        ("general", "holiday", "assistance", "health", "education", "safety"),
    ),
    ("民政局", "民发", ("assistance", "elderly", "disability")),
    ("财政局", "财发", ("budget", "assistance", "rural")),
    ("教育局", "教发", ("education",)),
    ("卫生健康委员会", "卫健发", ("health", "elderly")),
    ("医疗保障局", "医保发", ("medical",)),
    ("人力资源和社会保障局", "人社发", ("employment", "pension")),
    ("住房和城乡建设局", "建发", ("housing", "projects")),
    ("生态环境局", "环发", ("environment",)),
    ("农业农村局", "农发", ("rural", "agriculture")),
    ("乡村振兴局", "乡振发", ("rural",)),
    ("市场监督管理局", "市监发", ("food",)),
    ("应急管理局", "应急发", ("safety",)),
    ("交通运输局", "交发", ("projects", "safety")),
    ("发展和改革委员会", "发改发", ("projects", "budget")),
    ("退役军人事务局", "退役发", ("general",)),
    ("残疾人联合会", "残联发", ("disability",)),
    ("自然资源和规划局", "自然资发", ("projects", "environment")),
    ("审计局", "审发", ("budget",)),
)

_CATEGORY = {
    "general": "综合政务",
    "holiday": "综合政务",
    "assistance": "社会救助",
    "elderly": "养老服务",
    "disability": "社会救助",
    "budget": "财政预决算",
    "education": "教育",
    "health": "卫生健康",
    "medical": "医疗保障",
    "employment": "就业创业",
    "pension": "社会保障",
    "housing": "棚户区改造和农村危房改造",
    "projects": "重大建设项目",
    "environment": "生态环境",
    "rural": "乡村振兴",
    "agriculture": "农业农村",
    "food": "食品药品安全",
    "safety": "安全生产",
    "disclosure": "政府信息公开",
}

# Noun phrases per domain: what titles and sentences are about.
_OBJECTS: dict[str, tuple[str, ...]] = {
    "general": (
        "政务服务",
        "营商环境",
        "一网通办",
        "政务公开",
        "行政执法",
        "依法行政",
        "机关作风建设",
        "重点工作任务",
        "民生实事",
        "基层治理",
        "网格化管理",
        "信访工作",
        "法治政府建设",
        "数字政府建设",
        "12345政务服务便民热线",
        "社会信用体系建设",
        "统计工作",
        "档案管理",
        "政府督查",
        "行政审批制度改革",
        "放管服改革",
        "证明事项告知承诺制",
        "双随机一公开监管",
    ),
    "holiday": ("节假日安排", "值班值守", "节日期间安全工作", "假期调休"),
    "assistance": (
        "最低生活保障",
        "城乡低保",
        "农村低保",
        "城市低保",
        "低保对象动态管理",
        "特困人员救助供养",
        "临时救助",
        "低保边缘家庭认定",
        "刚性支出困难家庭",
        "家庭经济状况核对",
        "社会救助资金",
        "低保标准",
        "特困人员供养标准",
        "分散供养特困人员",
        "集中供养",
        "困难群众基本生活保障",
        "社会救助信息化",
        "主动发现机制",
        "急难救助",
        "低保审核确认",
        "救助对象认定",
        "社会救助一门受理协同办理",
        "低保金发放",
        "孤儿基本生活费",
        "事实无人抚养儿童",
        "流浪乞讨人员救助",
        "低保专项治理",
        "分层分类社会救助体系",
        "防止返贫动态监测",
    ),
    "elderly": (
        "养老服务体系",
        "居家养老服务",
        "高龄津贴",
        "老年人助餐服务",
        "农村敬老院",
        "养老机构",
        "特殊困难老年人探访关爱",
        "社区养老服务设施",
        "适老化改造",
        "失能老年人照护",
        "老年人优待",
        "养老服务补贴",
        "医养结合",
    ),
    "disability": (
        "残疾人两项补贴",
        "困难残疾人生活补贴",
        "重度残疾人护理补贴",
        "残疾人康复服务",
        "残疾人就业",
        "无障碍环境建设",
        "残疾儿童康复救助",
        "残疾人证办理",
    ),
    "budget": (
        "部门预算",
        "部门决算",
        "一般公共预算",
        "政府性基金预算",
        "三公经费",
        "转移支付资金",
        "政府采购",
        "国有资产管理",
        "预算绩效管理",
        "财政衔接推进乡村振兴补助资金",
        "专项资金",
        "政府债务",
        "财政收支",
        "机关运行经费",
    ),
    "education": (
        "义务教育",
        "学前教育",
        "控辍保学",
        "学生资助",
        "农村义务教育学生营养改善计划",
        "义务教育招生入学",
        "教师队伍建设",
        "校舍安全",
        "课后服务",
        "双减工作",
        "职业教育",
        "家庭经济困难学生认定",
        "生源地信用助学贷款",
        "特殊教育",
        "校园安全",
    ),
    "health": (
        "基本公共卫生服务",
        "家庭医生签约服务",
        "基层医疗卫生机构",
        "传染病防控",
        "预防接种",
        "妇幼健康",
        "健康扶贫",
        "爱国卫生运动",
        "县域医共体建设",
        "乡村医生队伍",
        "院前急救",
        "职业病防治",
        "计划生育特殊家庭扶助",
    ),
    "medical": (
        "城乡居民基本医疗保险",
        "大病保险",
        "医疗救助",
        "门诊慢特病",
        "异地就医直接结算",
        "医保基金监管",
        "定点医药机构",
        "医保缴费",
        "参保登记",
        "药品集中带量采购",
        "住院报销",
        "医保待遇",
        "职工基本医疗保险",
        "长期护理保险",
        "医保电子凭证",
    ),
    "employment": (
        "就业创业",
        "公益性岗位",
        "职业技能培训",
        "农民工工资支付",
        "创业担保贷款",
        "高校毕业生就业",
        "失业保险稳岗返还",
        "就业困难人员认定",
        "零就业家庭",
        "劳动保障监察",
        "劳务协作",
        "返乡入乡创业",
        "见习岗位",
    ),
    "pension": (
        "城乡居民基本养老保险",
        "养老保险待遇",
        "企业职工基本养老保险",
        "社会保障卡",
        "被征地农民社会保障",
        "养老金发放",
        "待遇资格认证",
        "工伤保险",
    ),
    "housing": (
        "农村危房改造",
        "棚户区改造",
        "保障性租赁住房",
        "公共租赁住房",
        "老旧小区改造",
        "住房公积金",
        "农房抗震改造",
        "城镇住房保障",
        "房屋安全隐患排查",
        "物业管理",
    ),
    "projects": (
        "重大建设项目",
        "招标投标",
        "项目审批",
        "征地拆迁",
        "安置补偿",
        "道路改扩建工程",
        "污水处理厂",
        "供水管网改造",
        "农村公路",
        "产业园区基础设施",
        "体育公园",
        "综合管廊",
        "安置房建设",
        "桥梁维修加固",
    ),
    "environment": (
        "大气污染防治",
        "河长制",
        "农村人居环境整治",
        "生活垃圾分类",
        "饮用水水源地保护",
        "秸秆禁烧",
        "环境影响评价",
        "排污许可",
        "土壤污染防治",
        "中央生态环境保护督察",
        "农村生活污水治理",
        "噪声污染防治",
        "林长制",
    ),
    "rural": (
        "乡村振兴",
        "巩固拓展脱贫攻坚成果",
        "防止返贫监测",
        "驻村帮扶",
        "乡村建设行动",
        "农村集体经济",
        "易地扶贫搬迁后续扶持",
        "衔接资金项目",
        "和美乡村",
        "乡村治理",
        "农村产权制度改革",
        "帮扶车间",
    ),
    "agriculture": (
        "耕地地力保护补贴",
        "高标准农田建设",
        "农业保险",
        "种粮补贴",
        "动物防疫",
        "农机购置补贴",
        "粮食安全",
        "农产品质量安全",
        "春耕生产",
        "秋粮收购",
        "宅基地管理",
    ),
    "food": (
        "食品安全",
        "食品安全抽检",
        "校园食品安全",
        "药品安全",
        "农贸市场",
        "餐饮服务",
        "特种设备安全",
        "价格监督检查",
        "计量监督",
        "化妆品监管",
        "医疗器械监管",
    ),
    "safety": (
        "安全生产",
        "防汛抗旱",
        "森林防火",
        "自然灾害救助",
        "消防安全",
        "道路交通安全",
        "地质灾害防治",
        "危险化学品",
        "燃气安全",
        "应急预案",
        "隐患排查治理",
        "建筑施工安全",
    ),
}

_VERBS = (
    "加强",
    "推进",
    "落实",
    "完善",
    "健全",
    "规范",
    "强化",
    "优化",
    "深化",
    "推动",
    "加快",
    "提升",
    "做好",
    "抓好",
    "统筹",
    "扎实推进",
    "着力加强",
    "切实加强",
    "全面落实",
    "持续推进",
    "严格执行",
    "不断完善",
    "进一步规范",
    "认真做好",
    "稳步推进",
    "大力推进",
    "积极推进",
    "全面加强",
)
_GOALS = (
    "确保各项政策落到实处",
    "切实保障困难群众基本生活",
    "不断增强人民群众获得感幸福感安全感",
    "兜住兜牢民生底线",
    "促进社会公平正义",
    "推动经济社会高质量发展",
    "做到应保尽保应退尽退",
    "提高服务质量和效率",
    "形成工作合力",
    "防范化解重大风险",
    "维护社会和谐稳定",
    "让群众少跑腿",
    "提升群众满意度",
    "守住不发生规模性返贫的底线",
    "确保资金安全高效使用",
    "营造良好氛围",
    "推动工作取得实效",
    "切实维护群众合法权益",
)
_ADVS = ("认真", "切实", "严格", "及时", "全面", "扎实", "积极", "主动", "依法", "规范")
_UNITS = (
    "各县（区）人民政府",
    "市直各有关单位",
    "各乡镇人民政府",
    "各街道办事处",
    "各有关部门",
    "各县（市、区）民政局",
    "各级财政部门",
    "各村（居）民委员会",
    "各成员单位",
)
_PEOPLE = (
    "困难群众",
    "低保对象",
    "特困人员",
    "低收入人口",
    "残疾人",
    "老年人",
    "农村留守儿童",
    "困境儿童",
    "脱贫人口",
    "监测对象",
    "参保群众",
    "就业困难人员",
    "高校毕业生",
    "农民工",
    "退役军人",
    "受灾群众",
    "住院患者",
    "申请人",
)
_MATERIALS = (
    "居民身份证",
    "户口簿",
    "申请书",
    "家庭收入证明",
    "家庭财产状况声明",
    "授权核对书",
    "残疾人证",
    "医疗费用票据",
    "诊断证明",
    "银行账户信息",
    "劳动合同",
    "不动产权证书",
    "学生证",
    "结婚证或离婚证",
    "死亡证明",
    "村（居）民委员会证明",
    "营业执照复印件",
)
_CONNECT = ("同时，", "此外，", "另外，", "与此同时，", "在此基础上，", "对此，", "为此，", "")


def _cn_number(n: int) -> str:
    """Chinese numerals as used in 第X条 (1–999)."""
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    head = _CN_DIGITS[n // 100] + "百"
    if rest == 0:
        return head
    if rest < 10:
        return head + "零" + _CN_DIGITS[rest]
    return head + (_CN_DIGITS[rest // 10] + "十" + (_CN_DIGITS[rest % 10] if rest % 10 else ""))


#: Documents the fixed query list looks for: (index in the stream, doc_number, title, agency).
ANCHORS: tuple[tuple[int, str, str, str], ...] = (
    (
        7,
        "国办发〔2018〕129号",
        "国务院办公厅关于进一步做好社会救助兜底保障工作的通知",
        "国务院办公厅",
    ),
    (
        11,
        "临政办发〔2021〕37号",
        "临岚市人民政府办公室关于印发临岚市最低生活保障审核确认实施细则的通知",
        "临岚市人民政府办公室",
    ),
    (13, "临民发〔2023〕8号", "临岚市民政局关于调整城乡最低生活保障标准的通知", "临岚市民政局"),
)

# -- the world ---------------------------------------------------------------------------------


class _World:
    """Fictional cities, counties, townships and villages, scaled with the corpus."""

    def __init__(self, rng: random.Random, n_docs: int) -> None:
        used: set[str] = set()

        def place(suffix: str) -> str:
            for _ in range(1000):
                name = rng.choice(_PLACE_CHARS) + rng.choice(_PLACE_CHARS)
                if name[0] != name[1] and name not in used:
                    used.add(name)
                    return name + suffix
            return rng.choice(_PLACE_CHARS) * 3 + suffix  # pool exhausted: degrade gracefully

        n_cities = max(3, min(80, n_docs // 1500 + 2))
        self.cities: list[dict[str, Any]] = []
        for c in range(n_cities):
            name = "临岚市" if c == 0 else place("市")
            used.add(name[:2])
            province = _PROVINCES[c % len(_PROVINCES)]
            counties = []
            for _ in range(rng.randint(4, 9)):
                county = place(rng.choice(("县", "县", "县", "区", "市")))
                towns = []
                for _ in range(rng.randint(6, 14)):
                    town = place(rng.choice(("镇", "镇", "乡", "街道")))
                    villages = [
                        place(rng.choice(("村", "村", "村", "社区")))
                        for _ in range(rng.randint(4, 12))
                    ]
                    towns.append({"name": town, "villages": villages})
                counties.append({"name": county, "towns": towns})
            self.cities.append(
                {
                    "name": name,
                    "province": province,
                    "counties": counties,
                    "code": rng.randint(10, 99),
                }
            )
        self.companies = [
            place("") + rng.choice(_COMPANY_WORDS) + rng.choice(_COMPANY_SUFFIX)
            for _ in range(max(60, n_docs // 20))
        ]


# -- the generator -----------------------------------------------------------------------------


class Generator:
    """Yields interchange records (dicts) for ``kiosk import``; same seed, same corpus."""

    def __init__(self, n: int, seed: int = 1, mined: list[str] | None = None) -> None:
        self.n = n
        self.rng = random.Random(seed)
        self.world = _World(random.Random(seed + 7919), n)
        self.mined = mined or []
        self._serial: dict[tuple[str, int], int] = {}

    # -- small pieces -----------------------------------------------------------------------
    def person(self) -> str:
        r = self.rng
        return r.choice(_SURNAMES) + "".join(r.choice(_GIVEN) for _ in range(r.choice((1, 2, 2))))

    def place(self) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], str]:
        r = self.rng
        city = r.choice(self.world.cities) if r.random() < 0.7 else self.world.cities[0]
        county = r.choice(city["counties"])
        town = r.choice(county["towns"])
        return city, county, town, r.choice(town["villages"])

    def money(self, lo: float, hi: float, decimals: int = 2) -> str:
        return f"{self.rng.uniform(lo, hi):,.{decimals}f}"

    def sentence(self, domain: str) -> str:
        r = self.rng
        if self.mined and r.random() < 0.35:
            return r.choice(self.mined)
        obj = r.choice(_OBJECTS[domain])
        obj2 = r.choice(_OBJECTS[domain])
        shape = r.randrange(12)
        if shape == 0:
            return f"{r.choice(_CONNECT)}{r.choice(_VERBS)}{obj}，{r.choice(_VERBS)}{obj2}，{r.choice(_GOALS)}。"
        if shape == 1:
            return f"{r.choice(_UNITS)}要{r.choice(_ADVS)}{r.choice(_VERBS)}{obj}工作，确保{r.choice(_GOALS)}。"
        if shape == 2:
            year = r.randint(2015, 2025)
            return (
                f"{year}年，全市共{r.choice(('发放', '投入', '落实', '拨付'))}{obj}资金{self.money(100, 90000)}万元，"
                f"惠及{r.choice(_PEOPLE)}{r.randint(120, 98000)}人，同比{r.choice(('增长', '下降'))}{r.uniform(0.3, 35):.1f}%。"
            )
        if shape == 3:
            return (
                f"对符合条件的{r.choice(_PEOPLE)}，{r.choice(('乡镇人民政府', '县级民政部门', '街道办事处', '经办机构'))}"
                f"应当在{r.choice((3, 5, 7, 10, 15, 20, 30))}个工作日内{r.choice(('作出决定', '完成审核', '办结', '予以受理', '完成入户调查'))}，"
                f"并{r.choice(('书面告知申请人', '在村（居）务公开栏公示', '录入信息系统', '按月发放救助金'))}。"
            )
        if shape == 4:
            return f"建立{obj}{r.choice(('工作机制', '长效机制', '联席会议制度', '台账', '考核评价制度', '信息共享机制'))}，{r.choice(_VERBS)}{obj2}。"
        if shape == 5:
            _city, county, town, village = self.place()
            return (
                f"{county['name']}{town['name']}{village}{r.choice(('积极探索', '率先开展', '大力推行', '创新实施'))}{obj}"
                f"{r.choice(('试点', '新模式', '“一站式”服务', '网格化管理', '帮办代办'))}，"
                f"{r.choice(('群众反映良好', '取得明显成效', '形成可复制可推广的经验', '受到上级肯定'))}。"
            )
        if shape == 6:
            return (
                f"{r.choice(('严禁', '不得', '坚决杜绝'))}{r.choice(('优亲厚友', '人情保', '关系保', '挤占挪用资金', '虚报冒领', '违规审批', '层层加码'))}，"
                f"对{r.choice(('违规违纪', '失职渎职', '弄虚作假', '工作不力'))}的，依法依规追究相关人员责任。"
            )
        if shape == 7:
            return f"{r.choice(('充分发挥', '积极发挥', '切实发挥'))}{r.choice(('基层党组织', '村（居）民委员会', '社会组织', '志愿者', '驻村工作队', '社会工作者'))}作用，{r.choice(_VERBS)}{obj}。"
        if shape == 8:
            return f"咨询电话：0{r.randint(700, 999)}-{r.randint(2000000, 8999999)}，地址：{self.place()[1]['name']}{r.choice(('人民路', '建设路', '解放大道', '新华街', '中山路'))}{r.randint(1, 399)}号。"
        if shape == 9:
            return f"{r.choice(('截至', '截止到'))}{r.randint(2016, 2025)}年{r.randint(1, 12)}月底，{r.choice(_PEOPLE)}{r.randint(50, 50000)}人纳入{obj}范围，累计{r.choice(('发放', '支出'))}资金{self.money(10, 50000)}万元。"
        if shape == 10:
            return f"各地要把{obj}作为{r.choice(('重要政治任务', '重大民生工程', '年度重点工作', '“我为群众办实事”重要内容'))}，{r.choice(('主要负责同志亲自抓', '明确责任分工', '细化工作措施', '加强督促检查'))}，{r.choice(_GOALS)}。"
        return f"{r.choice(_VERBS)}{obj}{r.choice(('宣传解读', '政策培训', '监督检查', '绩效评价', '信息公开', '数据比对'))}，{r.choice(('及时回应群众关切', '主动接受社会监督', '提高政策知晓率', '发现问题及时整改'))}。"

    def paragraph(self, domain: str, k: tuple[int, int] = (2, 5)) -> str:
        return "".join(self.sentence(domain) for _ in range(self.rng.randint(*k)))

    def doc_number(self, city: dict[str, Any], short: str, year: int) -> str:
        key = (city["name"] + short, year)
        self._serial[key] = self._serial.get(key, 0) + self.rng.randint(1, 6)
        return f"{city['name'][0]}{short}〔{year}〕{self._serial[key]}号"

    def target_length(self) -> int:
        r = self.rng
        if r.random() < 0.04:
            return int(math.exp(r.uniform(math.log(10_000), math.log(60_000))))
        return int(min(9_000, max(300, r.lognormvariate(math.log(1_400), 0.7))))

    # -- body builders: list of (kind, text) blocks, kind in p | h | table -----------------------
    def _fill(
        self, blocks: list[tuple[str, Any]], domain: str, target: int, numbered: bool = True
    ) -> None:
        r = self.rng
        size = sum(len(b[1]) if isinstance(b[1], str) else 200 for b in blocks)
        section = 0
        heads = "一二三四五六七八九十"
        while size < target:
            if numbered and r.random() < 0.35:
                section += 1
                head = (
                    f"{heads[(section - 1) % 10]}、{r.choice(_VERBS)}{r.choice(_OBJECTS[domain])}"
                )
                blocks.append(("h", head))
                size += len(head)
            text = self.paragraph(domain)
            if numbered and r.random() < 0.5:
                text = (
                    f"（{heads[r.randrange(6)]}）{r.choice(_VERBS)}{r.choice(_OBJECTS[domain])}。"
                    + text
                )
            blocks.append(("p", text))
            size += len(text)

    def notice(self, i: int, domain: str, dept: tuple[str, str, tuple[str, ...]]) -> dict[str, Any]:
        r = self.rng
        city, county, _town, _village = self.place()
        level = city if r.random() < 0.6 else county
        agency = level["name"] + dept[0]
        year = r.randint(2012, 2025)
        obj = r.choice(_OBJECTS[domain])
        title = r.choice(
            (
                f"{agency}关于做好{year}年{obj}工作的通知",
                f"{agency}关于进一步加强{obj}工作的通知",
                f"{agency}关于印发《{level['name']}{obj}实施方案》的通知",
                f"{agency}关于开展{obj}专项行动的通知",
                f"{agency}关于{obj}有关事项的通知",
                f"{agency}关于切实做好{obj}工作的意见",
            )
        )
        blocks: list[tuple[str, Any]] = [("p", f"{r.choice(_UNITS)}：")]
        blocks.append(
            (
                "p",
                f"为{r.choice(_VERBS)}{obj}，{r.choice(_GOALS)}，根据{r.choice(('国家和省有关规定', '《社会救助暂行办法》', '上级有关文件精神', '《中华人民共和国预算法》'))}，结合我{'市' if level is city else '县'}实际，现就有关事项通知如下：",
            )
        )
        self._fill(blocks, domain, self.target_length())
        blocks.append(("p", f"{agency}\n{year}年{r.randint(1, 12)}月{r.randint(1, 28)}日"))
        return self._record(
            i, title, blocks, agency, city, county, dept, domain, year, kind="notice", docno=True
        )

    def rules(
        self, i: int, domain: str, dept: tuple[str, str, tuple[str, ...]], long: bool = False
    ) -> dict[str, Any]:
        r = self.rng
        city, county, _t, _v = self.place()
        agency = city["name"] + dept[0]
        year = r.randint(2010, 2025)
        obj = r.choice(_OBJECTS[domain])
        name = f"{city['name']}{obj}{r.choice(('管理办法', '实施办法', '实施细则', '条例', '暂行办法', '工作规程'))}"
        title = f"{agency}关于印发《{name}》的通知" if r.random() < 0.6 else name
        blocks: list[tuple[str, Any]] = [("h", name)]
        target = max(self.target_length(), 12_000 if long else 0)
        article, chapter, size = 0, 0, 0
        while size < target:
            if article % r.randint(5, 9) == 0:
                chapter += 1
                head = f"第{_cn_number(chapter)}章　{r.choice(('总则', '申请与受理', '审核确认', '待遇与发放', '管理与监督', '法律责任', '附则', '资金管理', '服务保障'))}"
                blocks.append(("h", head))
            article += 1
            text = f"第{_cn_number(article)}条　" + self.paragraph(domain, (1, 3))
            if r.random() < 0.15:
                text += "".join(
                    f"（{_cn_number(k)}）{r.choice(_MATERIALS)}；"
                    for k in range(1, r.randint(3, 7))
                )
            blocks.append(("p", text))
            size += len(text)
        blocks.append(
            ("p", f"第{_cn_number(article + 1)}条　本办法自{year}年{r.randint(1, 12)}月1日起施行。")
        )
        return self._record(
            i, title, blocks, agency, city, county, dept, domain, year, kind="policy", docno=True
        )

    def standards(self, i: int) -> dict[str, Any]:
        r = self.rng
        city, _c, _t, _v = self.place()
        year = r.randint(2015, 2025)
        agency = city["name"] + "民政局"
        title = f"{agency}关于调整{year}年城乡最低生活保障标准的通知"
        eff = dt.date(year, r.choice((1, 4, 7, 10)), 1)
        rows = [
            [
                "地区",
                "城市低保标准（元/人·月）",
                "农村低保标准（元/人·月）",
                "特困人员基本生活标准（元/人·月）",
            ]
        ]
        allowances = []
        for county in city["counties"]:
            urban = r.randint(45, 110) * 10
            rural = int(urban * r.uniform(0.62, 0.85) / 10) * 10
            rows.append([county["name"], str(urban), str(rural), str(int(urban * 1.3))])
            allowances.append(
                {
                    "region": county["name"],
                    "area": "urban",
                    "amount": urban,
                    "unit": "元/人·月",
                    "effective": eff.isoformat(),
                }
            )
            allowances.append(
                {
                    "region": county["name"],
                    "area": "rural",
                    "amount": rural,
                    "unit": "元/人·月",
                    "effective": eff.isoformat(),
                }
            )
        blocks: list[tuple[str, Any]] = [
            ("p", "各县（市、区）民政局、财政局："),
            (
                "p",
                f"为切实保障困难群众基本生活，根据经济社会发展水平和物价变动情况，经市人民政府同意，决定自{eff.year}年{eff.month}月1日起调整全市城乡最低生活保障标准。现将有关事项通知如下：",
            ),
            ("h", "一、调整后的标准"),
            ("table", rows),
            ("h", "二、工作要求"),
        ]
        self._fill(blocks, "assistance", self.target_length(), numbered=False)
        record = self._record(
            i,
            title,
            blocks,
            agency,
            city,
            None,
            ("民政局", "民发", ("assistance",)),
            "assistance",
            year,
            kind="notice",
            docno=True,
        )
        record["allowance"] = allowances
        return record

    def publicity(self, i: int) -> dict[str, Any]:
        """公示: long lists of names, villages and amounts (rare tokens, numbers)."""
        r = self.rng
        city, county, town, _v = self.place()
        year, month = r.randint(2016, 2025), r.randint(1, 12)
        what = r.choice(
            (
                "农村低保拟保对象",
                "城市低保新增对象",
                "特困人员供养对象",
                "临时救助对象",
                "残疾人两项补贴拟发放对象",
                "高龄津贴发放对象",
                "公益性岗位拟聘用人员",
                "耕地地力保护补贴发放情况",
            )
        )
        title = f"{town['name']}{year}年{month}月{what}公示"
        rows = [["序号", "姓名", "村（居）", "保障人数", "月保障金（元）"]]
        count = max(8, self.target_length() // 22)
        for k in range(1, count + 1):
            rows.append(
                [
                    str(k),
                    self.person(),
                    r.choice(town["villages"]),
                    str(r.randint(1, 6)),
                    str(r.randint(200, 2800)),
                ]
            )
        blocks: list[tuple[str, Any]] = [
            (
                "p",
                f"根据有关规定，经本人申请、村（居）民委员会初审、{town['name']}人民政府审核，现将{what}名单予以公示。公示期为{r.choice((5, 7))}个工作日。如有异议，请于公示期内向{town['name']}社会事务办或{county['name']}民政局反映。",
            ),
            ("table", rows),
            (
                "p",
                f"监督电话：0{r.randint(700, 999)}-{r.randint(2000000, 8999999)}\n{town['name']}人民政府\n{year}年{month}月{r.randint(1, 28)}日",
            ),
        ]
        agency = (
            town["name"] + "人民政府"
            if not town["name"].endswith("街道")
            else town["name"] + "办事处"
        )
        return self._record(
            i,
            title,
            blocks,
            agency,
            city,
            county,
            None,
            "assistance",
            year,
            kind="disclosure",
            docno=False,
        )

    def budget(self, i: int) -> dict[str, Any]:
        r = self.rng
        city, county, _t, _v = self.place()
        dept = r.choice(_DEPARTMENTS)
        level = r.choice((city, county))
        agency = level["name"] + dept[0]
        year = r.randint(2014, 2025)
        what = r.choice(("部门预算", "部门决算", "单位预算", "三公经费预算"))
        title = f"{agency}{year}年{what}公开"
        rows = [["项目", "预算数（万元）", "上年数（万元）", "增减（%）"]]
        for item in (
            "一般公共服务支出",
            "社会保障和就业支出",
            "卫生健康支出",
            "教育支出",
            "农林水支出",
            "住房保障支出",
            "城乡社区支出",
            "节能环保支出",
            "其他支出",
            "合计",
        ):
            rows.append(
                [item, self.money(0, 9000), self.money(0, 9000), f"{r.uniform(-30, 40):.1f}"]
            )
        blocks: list[tuple[str, Any]] = [
            ("h", "第一部分　部门概况"),
            (
                "p",
                f"{agency}主要职责是{r.choice(_VERBS)}{r.choice(_OBJECTS[dept[2][0]])}，{r.choice(_VERBS)}{r.choice(_OBJECTS[dept[2][0]])}。本部门预算包括部门本级及所属{r.randint(1, 12)}个单位预算。",
            ),
            ("h", "第二部分　收支预算情况说明"),
            ("table", rows),
            (
                "p",
                f"“三公”经费预算{self.money(1, 120)}万元，其中：因公出国（境）费{self.money(0, 10)}万元，公务用车购置及运行费{self.money(0, 60)}万元，公务接待费{self.money(0, 20)}万元。",
            ),
        ]
        self._fill(blocks, "budget", self.target_length(), numbered=False)
        return self._record(
            i, title, blocks, agency, city, county, dept, "budget", year, kind="report", docno=False
        )

    def procurement(self, i: int) -> dict[str, Any]:
        r = self.rng
        city, county, town, _village = self.place()
        year = r.randint(2014, 2025)
        obj = r.choice(
            _OBJECTS["projects"]
            + (
                "办公设备采购",
                "物业管理服务",
                "校园食堂食材配送",
                "体检服务",
                "低保家庭经济状况核查服务",
            )
        )
        project = f"{county['name']}{town['name']}{obj}项目"
        title = f"{project}{r.choice(('招标公告', '中标结果公示', '竞争性磋商公告', '成交结果公告', '更正公告'))}"
        code = f"{city['name'][0]}{county['name'][0]}采{year}-{r.randint(1, 999):03d}"
        bidders = r.sample(self.world.companies, k=min(len(self.world.companies), r.randint(3, 6)))
        blocks: list[tuple[str, Any]] = [
            (
                "p",
                f"项目编号：{code}\n项目名称：{project}\n采购人：{county['name']}{r.choice(_DEPARTMENTS)[0]}\n预算金额：{self.money(20, 9000)}万元",
            ),
            ("p", f"采购需求：{self.paragraph('projects', (1, 3))}"),
            (
                "table",
                [["序号", "供应商名称", "报价（元）", "得分"]]
                + [
                    [str(k + 1), b, self.money(1e5, 9e7), f"{r.uniform(60, 99):.2f}"]
                    for k, b in enumerate(bidders)
                ],
            ),
            (
                "p",
                f"中标（成交）供应商：{bidders[0]}；项目负责人：{self.person()}；联系人：{self.person()}，电话：1{r.randint(3000000000, 9999999999)}。",
            ),
        ]
        self._fill(blocks, "projects", self.target_length() // 2, numbered=False)
        agency = county["name"] + "公共资源交易中心"
        return self._record(
            i,
            title,
            blocks,
            agency,
            city,
            county,
            None,
            "projects",
            year,
            kind="disclosure",
            docno=False,
        )

    def guide(self, i: int, domain: str) -> dict[str, Any]:
        r = self.rng
        city, county, _t, _v = self.place()
        service = r.choice(_OBJECTS[domain])
        agency = county["name"] + r.choice(_DEPARTMENTS)[0]
        title = f"{county['name']}{service}{r.choice(('申请', '办理', '认定', '给付'))}办事指南"
        blocks: list[tuple[str, Any]] = [
            ("h", "一、事项名称"),
            ("p", f"{service}{r.choice(('申请', '办理', '认定', '给付'))}"),
            ("h", "二、设定依据"),
            (
                "p",
                f"《{r.choice(('社会救助暂行办法', '最低生活保障审核确认办法', '特困人员认定办法', '中华人民共和国社会保险法', '城乡居民基本医疗保险办法'))}》第{_cn_number(r.randint(1, 60))}条。",
            ),
            ("h", "三、申请条件"),
            ("p", self.paragraph(domain, (2, 4))),
            ("h", "四、申请材料"),
            (
                "p",
                "".join(
                    f"{k}. {m}；\n" for k, m in enumerate(r.sample(_MATERIALS, r.randint(3, 7)), 1)
                ),
            ),
            ("h", "五、办理流程"),
            (
                "p",
                f"申请→受理（{r.randint(1, 5)}个工作日）→审核（{r.randint(5, 20)}个工作日）→确认→公示→发放。{self.paragraph(domain, (1, 3))}",
            ),
            ("h", "六、办理时限"),
            (
                "p",
                f"法定时限{r.choice((20, 30, 45))}个工作日，承诺时限{r.choice((5, 10, 15))}个工作日。",
            ),
            ("h", "七、收费标准"),
            ("p", "不收费。"),
            ("h", "八、咨询方式"),
            ("p", self.sentence("general")),
        ]
        self._fill(blocks, domain, self.target_length() // 2, numbered=False)
        return self._record(
            i,
            title,
            blocks,
            agency,
            city,
            county,
            None,
            domain,
            r.randint(2016, 2025),
            kind="guide",
            docno=False,
        )

    def interpretation(self, i: int, domain: str) -> dict[str, Any]:
        """政策解读 in question-and-answer form: where villagers' own words appear."""
        r = self.rng
        city, county, _t, _v = self.place()
        obj = r.choice(_OBJECTS[domain])
        title = f"《{city['name']}{obj}实施办法》政策解读"
        questions = (
            f"哪些人可以申请{obj}？",
            "吃低保需要什么条件？",
            "看病报销的比例是多少？",
            "五保户每月能领多少钱？",
            "申请需要带哪些材料？",
            "多长时间能办下来？",
            "对审核结果有异议怎么办？",
            "在外地打工能不能申请？",
            "家里有车有房还能吃低保吗？",
            "养老金什么时候发？",
            "危房改造补贴怎么申请？",
            "孩子上学有什么补助？",
        )
        blocks: list[tuple[str, Any]] = [
            (
                "p",
                f"近日，{city['name']}印发了《{city['name']}{obj}实施办法》。为便于群众理解，现就有关问题解读如下。",
            )
        ]
        target = self.target_length()
        size = 0
        while size < target:
            q = r.choice(questions)
            a = self.paragraph(domain, (1, 4))
            blocks.append(("p", f"问：{q}"))
            blocks.append(("p", f"答：{a}"))
            size += len(q) + len(a)
        agency = city["name"] + r.choice(_DEPARTMENTS)[0]
        return self._record(
            i,
            title,
            blocks,
            agency,
            city,
            county,
            None,
            domain,
            r.randint(2016, 2025),
            kind="policy",
            docno=False,
        )

    def annual_report(self, i: int) -> dict[str, Any]:
        r = self.rng
        city, county, _t, _v = self.place()
        level = r.choice((city, county))
        agency = level["name"] + r.choice(
            ("人民政府", "人民政府办公室", "民政局", "财政局", "教育局")
        )
        year = r.randint(2012, 2024)
        title = f"{agency}{year}年政府信息公开工作年度报告"
        blocks: list[tuple[str, Any]] = [
            (
                "p",
                f"本报告根据《中华人民共和国政府信息公开条例》和《国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（国办公开办函〔2021〕30号）要求编制。报告中所列数据统计期限自{year}年1月1日起至{year}年12月31日止。",
            ),
            ("h", "一、总体情况"),
            ("p", self.paragraph("general", (3, 6))),
            ("h", "二、主动公开政府信息情况"),
            (
                "table",
                [
                    ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
                    ["规章", str(r.randint(0, 5)), str(r.randint(0, 3)), str(r.randint(0, 40))],
                    [
                        "行政规范性文件",
                        str(r.randint(0, 60)),
                        str(r.randint(0, 20)),
                        str(r.randint(10, 300)),
                    ],
                ],
            ),
            ("h", "三、收到和处理政府信息公开申请情况"),
            (
                "table",
                [
                    ["本年新收政府信息公开申请数量", str(r.randint(0, 400))],
                    ["予以公开", str(r.randint(0, 200))],
                    ["不予公开", str(r.randint(0, 30))],
                    ["本机关不掌握相关政府信息", str(r.randint(0, 60))],
                ],
            ),
            ("h", "四、政府信息公开行政复议、行政诉讼情况"),
            (
                "p",
                f"本年度因政府信息公开被申请行政复议{r.randint(0, 9)}件，被提起行政诉讼{r.randint(0, 5)}件。",
            ),
            ("h", "五、存在的主要问题及改进情况"),
        ]
        self._fill(blocks, "general", self.target_length(), numbered=False)
        return self._record(
            i,
            title,
            blocks,
            agency,
            city,
            county,
            None,
            "disclosure",
            year + 1,
            kind="report",
            docno=False,
        )

    def holiday(self, i: int) -> dict[str, Any]:
        r = self.rng
        city, _c, _t, _v = self.place()
        year = r.randint(2010, 2025)
        name = r.choice(("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"))
        agency = city["name"] + "人民政府办公室"
        title = f"{agency}关于{year}年{name}放假安排的通知"
        m, d = r.randint(1, 12), r.randint(1, 25)
        blocks: list[tuple[str, Any]] = [
            ("p", f"{r.choice(_UNITS)}："),
            (
                "p",
                f"根据《国务院办公厅关于{year}年部分节假日安排的通知》精神，经市人民政府同意，现将{year}年{name}放假安排通知如下：{m}月{d}日至{d + 2}日放假调休，共3天。{m}月{d + 3}日（星期六）上班。",
            ),
            (
                "p",
                f"节日期间，各单位要妥善安排好值班和安全、保卫等工作，遇有重大突发事件发生，要按规定及时报告并妥善处置，确保人民群众祥和平安度过节日假期。{self.sentence('safety')}",
            ),
            ("p", f"{agency}\n{year - 1}年12月{r.randint(1, 28)}日"),
        ]
        return self._record(
            i,
            title,
            blocks,
            agency,
            city,
            None,
            ("人民政府办公室", "政办发", ("holiday",)),
            "holiday",
            year,
            kind="notice",
            docno=True,
        )

    def news(self, i: int, domain: str) -> dict[str, Any]:
        r = self.rng
        city, county, town, _village = self.place()
        obj = r.choice(_OBJECTS[domain])
        title = r.choice(
            (
                f"{county['name']}{r.choice(('扎实推进', '多措并举推进', '创新开展', '全力做好'))}{obj}工作",
                f"{town['name']}：{obj}{r.choice(('暖民心', '见实效', '跑出加速度', '织密保障网'))}",
                f"{city['name']}召开{obj}工作推进会",
            )
        )
        blocks: list[tuple[str, Any]] = [
            (
                "p",
                f"{r.randint(1, 12)}月{r.randint(1, 28)}日，{county['name']}{r.choice(('召开', '举行', '组织开展'))}{obj}{r.choice(('工作推进会', '专题培训会', '现场观摩会', '集中宣传活动'))}。{county['name']}副县长{self.person()}出席会议并讲话。",
            )
        ]
        self._fill(blocks, domain, self.target_length(), numbered=False)
        blocks.append(
            ("p", f"（{county['name']}{r.choice(_DEPARTMENTS)[0]}　{self.person()}　供稿）")
        )
        agency = county["name"] + "人民政府"
        return self._record(
            i,
            title,
            blocks,
            agency,
            city,
            county,
            None,
            domain,
            r.randint(2015, 2025),
            kind="disclosure",
            docno=False,
        )

    def reply(self, i: int, domain: str) -> dict[str, Any]:
        """批复/函: short documents."""
        r = self.rng
        city, county, town, _v = self.place()
        obj = r.choice(_OBJECTS[domain])
        agency = city["name"] + "人民政府"
        year = r.randint(2012, 2025)
        title = f"{agency}关于同意{county['name']}{town['name']}{obj}{r.choice(('项目立项', '实施方案', '调整事项', '有关事项'))}的批复"
        blocks: list[tuple[str, Any]] = [
            ("p", f"{county['name']}人民政府："),
            (
                "p",
                f"你{county['name'][-1]}《关于{obj}有关事项的请示》（{county['name'][0]}政〔{year}〕{r.randint(1, 99)}号）收悉。经研究，现批复如下：同意{town['name']}{obj}{r.choice(('项目立项', '实施方案', '调整事项'))}。{self.paragraph(domain, (1, 3))}",
            ),
            ("p", "此复。"),
        ]
        return self._record(
            i,
            title,
            blocks,
            agency,
            city,
            county,
            ("人民政府", "政函", ()),
            domain,
            year,
            kind="notice",
            docno=True,
        )

    def plan(self, i: int, domain: str) -> dict[str, Any]:
        """规划: long documents, 10k+ characters."""
        r = self.rng
        city, county, _t, _v = self.place()
        obj = r.choice(_OBJECTS[domain])
        title = f"{city['name']}“十四五”{obj}发展规划"
        blocks: list[tuple[str, Any]] = [("h", "前　言"), ("p", self.paragraph(domain, (3, 6)))]
        target = max(10_000, int(math.exp(r.uniform(math.log(10_000), math.log(60_000)))))
        self._fill(blocks, domain, target)
        agency = city["name"] + "人民政府"
        return self._record(
            i,
            title,
            blocks,
            agency,
            city,
            county,
            ("人民政府", "政发", ()),
            domain,
            r.randint(2021, 2023),
            kind="policy",
            docno=True,
        )

    # -- assembling --------------------------------------------------------------------------
    def _record(
        self,
        i: int,
        title: str,
        blocks: list[tuple[str, Any]],
        agency: str,
        city: dict[str, Any],
        county: dict[str, Any] | None,
        dept: tuple[str, str, tuple[str, ...]] | None,
        domain: str,
        year: int,
        *,
        kind: str,
        docno: bool,
    ) -> dict[str, Any]:
        r = self.rng
        as_html = r.random() < 0.25
        body = _render(blocks, as_html)
        published = dt.date(min(year, 2025), r.randint(1, 12), r.randint(1, 28))
        written = published - dt.timedelta(days=r.randint(0, 20))
        status = r.choices(("valid", "amended", "repealed", "expired"), (88, 3, 6, 3))[0]
        region = city["province"] + city["name"] + (county["name"] if county else "")
        serial = r.randint(1, 2000)
        record: dict[str, Any] = {
            "id": f"gen-{i:07d}",
            "title": title,
            "body": body,
            "agency": agency,
            "index_no": f"{city['code']}{r.randint(10**13, 10**14 - 1)}{r.choice('0123456789ABCDEFGHJK')}/{published.year}-{serial:05d}",
            "doc_number": self.doc_number(city, dept[1], published.year)
            if docno and dept
            else None,
            "written": written.isoformat(),
            "published": published.isoformat(),
            "category": _CATEGORY.get(domain, "综合政务"),
            "kind": kind,
            "region": region,
            "status": status,
            "url": f"https://www.{_slug(city['name'])}.gov.cn/zwgk/{published.year}/{i:07d}.html",
        }
        for index, number, anchor_title, anchor_agency in ANCHORS:
            if i == index:
                record.update(
                    doc_number=number, title=anchor_title, agency=anchor_agency, status="valid"
                )
        return record

    def document(self, i: int) -> dict[str, Any]:
        """The ``i``-th document of the stream."""
        r = self.rng
        if i in {a[0] for a in ANCHORS}:
            return self.rules(i, "assistance", _DEPARTMENTS[1]) if i != 13 else self.standards(i)
        dept = r.choice(_DEPARTMENTS)
        domain = r.choice(dept[2])
        if domain == "holiday":
            return self.holiday(i)
        pick = r.random()
        makers: list[tuple[float, Callable[[], dict[str, Any]]]] = [
            (0.28, lambda: self.notice(i, domain, dept)),
            (0.10, lambda: self.rules(i, domain, dept)),
            (0.04, lambda: self.standards(i)),
            (0.10, lambda: self.publicity(i)),
            (0.07, lambda: self.budget(i)),
            (0.08, lambda: self.procurement(i)),
            (0.08, lambda: self.guide(i, domain)),
            (0.05, lambda: self.interpretation(i, domain)),
            (0.03, lambda: self.annual_report(i)),
            (0.10, lambda: self.news(i, domain)),
            (0.05, lambda: self.reply(i, domain)),
            (0.01, lambda: self.plan(i, domain)),
            (0.01, lambda: self.rules(i, domain, dept, long=True)),
        ]
        acc = 0.0
        for weight, make in makers:
            acc += weight
            if pick < acc:
                return make()
        return self.notice(i, domain, dept)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for i in range(self.n):
            yield self.document(i)


def _slug(name: str) -> str:
    return "".join(f"{ord(c) % 26 + 97:c}" for c in name)[:8]


def _render(blocks: list[tuple[str, Any]], as_html: bool) -> str:
    out: list[str] = []
    for kind, content in blocks:
        if kind == "table":
            if as_html:
                rows = "".join(
                    "<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in content
                )
                out.append(f"<table>{rows}</table>")
            else:
                out.append("\n".join("　".join(row) for row in content))
        elif as_html:
            text = content.replace("\n", "<br>")
            out.append(f"<h3>{text}</h3>" if kind == "h" else f"<p>{text}</p>")
        else:
            out.append(content)
    return "".join(out) if as_html else "\n\n".join(out)


def mine_sentences(path: Path, limit: int = 200_000, seed: int = 1) -> list[str]:
    """Sentences (10–120 characters, ending in 。) from a real corpus JSONL, for filler text."""
    rng = random.Random(seed)
    found: list[str] = []
    splitter = re.compile(r"[^。\n]{10,120}。")
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                body = json.loads(line).get("body") or ""
            except ValueError:
                continue
            found.extend(m.group(0).strip("　 ") for m in splitter.finditer(body))
    rng.shuffle(found)
    return found[:limit]


def generate(n: int, seed: int = 1, mine: Path | None = None) -> Iterator[dict[str, Any]]:
    """``n`` records, deterministic for a given seed (and mined corpus)."""
    mined = mine_sentences(mine, seed=seed) if mine else None
    yield from Generator(n, seed, mined)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, required=True, help="number of documents")
    parser.add_argument("--out", type=Path, help="output JSONL (default: stdout)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--mine", type=Path, help="real corpus JSONL to borrow filler sentences from"
    )
    args = parser.parse_args(argv)
    handle = args.out.open("w", encoding="utf-8") if args.out else sys.stdout
    try:
        for record in generate(args.n, args.seed, args.mine):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        if args.out:
            handle.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
