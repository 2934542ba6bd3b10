from kiosk.records import parse_record
from kiosk.screening import default_screen
from tests.helpers import doc


def findings(**fields: object) -> list[str]:
    record = parse_record(doc(str(fields.pop("id", "x")), **fields))  # type: ignore[arg-type]
    return [str(f) for f in default_screen().check(record)]


def test_the_seed_report_hijack_is_flagged() -> None:
    found = findings(
        title="365体育投注关于做好2017年度政府信息公开工作年度报告的通知", agency="国务院办公厅"
    )
    assert found and "365体育投注" in found[0]


def test_gambling_text_injected_in_the_body_is_flagged() -> None:
    body = "<p>为进一步规范救助工作。</p><p>真人娱乐 百家乐 注册送彩金，加微信 12345678</p>"
    assert findings(title="关于低保工作的通知", body=body, agency="桐溪市民政局")


def test_lottery_administration_rules_are_not_flagged() -> None:
    body = "第一条 为了加强彩票管理，规范彩票市场发展，维护彩票市场秩序，制定本条例。彩票发行机构……"
    assert findings(title="彩票管理条例", body=body, agency="国务院") == []


def test_genuine_documents_mentioning_gambling_as_a_prohibition_are_not_flagged() -> None:
    body = "不得传播淫秽、色情、赌博、暴力等有害信息；不得代开发票。澳门特别行政区……印刷单位"
    assert (
        findings(title="文明行为促进条例", body=body, agency="东莞市人民代表大会常务委员会") == []
    )


def test_links_to_non_government_hosts_are_flagged() -> None:
    body = '<p>详见 <a href="http://www.tongxi.gov.cn/a.html">通知</a>，另见 www.best-casino-vip.com</p>'
    found = findings(title="通知", body=body, agency="桐溪市民政局")
    assert any("非政府网站" in f and "casino" in f for f in found)
    assert findings(title="通知", body='<p><a href="https://www.gov.cn/x">x</a></p>') == []


def test_agency_that_is_not_an_agency_is_flagged() -> None:
    assert any("发布机构" in f for f in findings(title="通知", agency="永利皇宫官网"))
    assert findings(title="通知", agency="石岭县龙湾镇人民政府") == []


# Pattern-level checks: adverts in words the term list lacks, caught by what the words are for.
def test_a_gambling_game_beside_a_payout_is_flagged_without_any_listed_term() -> None:
    for advert in (
        "真钱跑得快 斗地主，赢了马上提现",
        "快三精准计划群，跟着导师上岸",
        "线上賭場 首充送一百",
    ):
        found = findings(
            title="关于做好低保工作的通知",
            body=f"为做好低保工作。{advert}。",
            agency="桐溪市民政局",
        )
        assert any("赌博广告" in f or "违规" in f for f in found), advert


def test_words_split_by_filler_are_read_whole() -> None:
    assert findings(
        title="通知", body="工作安排如下。百 * 家 * 乐，真·人·视·讯", agency="桐溪市民政局"
    )


def test_sex_adverts_and_dodged_contacts_are_flagged() -> None:
    assert any(
        "色情" in f
        for f in findings(
            title="通知", body="工作安排。午夜激情视频 私密直播", agency="桐溪市民政局"
        )
    )
    assert any(
        "联系方式" in f
        for f in findings(title="通知", body="工作安排。详询威信 abc8899", agency="桐溪市民政局")
    )


def test_a_forged_invoice_advert_needs_a_seller_a_genuine_tax_rule_has_none() -> None:
    assert findings(
        title="通知", body="工作安排。代开各地发票，手机13700001111", agency="桐溪市民政局"
    )
    genuine = "自然人可凭身份证件到办税服务厅申请代开发票，咨询电话0571-12366。"
    assert findings(title="代开发票办事指南", body=genuine, agency="国家税务总局桐溪市税务局") == []


def test_a_sentence_that_speaks_against_gambling_stays_clean() -> None:
    body = "严厉打击网上赌场、真钱棋牌等网络赌博，发现线索请举报。体育彩票竞彩游戏以足球比赛为竞猜对象。"
    assert (
        findings(title="关于开展打击网络赌博专项行动的通知", body=body, agency="桐溪市公安局") == []
    )
    body = "比赛项目：象棋、扑克、赛跑。欢迎各乡镇组队。"
    assert findings(title="关于举办农民运动会的通知", body=body, agency="石岭县文化和旅游局") == []


def test_a_name_that_is_not_an_agency_in_the_titles_agency_slot_is_flagged() -> None:
    for title in (
        "《大发娱乐关于调整低保标准的通知》",
        "鸿运国际印发救助办法",
        "金冠棋牌决定提高补贴",
    ):
        assert any("发文机关" in f for f in findings(title=title, agency="桐溪市民政局")), title
    for title in (
        "民政部 财政部关于做好困难群众基本生活保障工作的通知",
        "中共中央办公厅、国务院办公厅关于改革完善社会救助制度的意见",
        "北京市关于加强最低生活保障工作的意见",
        "石岭县人民代表大会常务委员会讨论决定重大事项的规定",
        "罚款决定与罚款收缴分离实施办法",
        "图解政策：关于低保，您关心的十个问题",
        "国家机关、事业单位贯彻《国务院关于职工工作时间的规定》的实施办法",
    ):
        assert findings(title=title, agency="国务院") == [], title


def test_bare_domains_and_links_in_titles_are_flagged() -> None:
    assert any(
        "非政府网站" in f
        for f in findings(title="低保公示 永久网址 hy6677.vip", agency="桐溪市民政局")
    )
    assert any(
        "非政府网站" in f
        for f in findings(title="通知", body="工作安排。备用 ab88.top 收藏", agency="桐溪市民政局")
    )
    assert (
        findings(
            title="通知", body="网址：www.shiling.gov.cn，或 tongxi.gov.cn。", agency="桐溪市民政局"
        )
        == []
    )


def test_a_link_in_a_titles_markup_is_screened_and_the_title_stored_as_text() -> None:
    record = parse_record(
        doc("t1", '<a href="http://lucky-win.example.net/x">关于调整低保标准的通知</a>')
    )
    assert record.title == "关于调整低保标准的通知"
    assert any("非政府网站" in str(f) for f in default_screen().check(record))
    assert (
        parse_record(doc("t2", "关于调整低保标准的通知")).content_hash
        == parse_record(doc("t2", "关于调整低保标准的通知")).content_hash
    )
