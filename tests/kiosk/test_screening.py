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
