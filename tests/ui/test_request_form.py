"""依申请公开: the guided form, printed; nothing kept unless the librarian enabled it."""

from __future__ import annotations

from typing import Any

from PySide6.QtPdf import QPdfDocument

from tests.ui.helpers import commit_text, find, settle, tap, type_on_keyboard
from ui.screens.request_form import RequestFormScreen


def form_of(window: Any) -> RequestFormScreen:
    screen = window.screens["request"]
    assert isinstance(screen, RequestFormScreen)
    return screen


def fill(qtbot: Any, window: Any) -> RequestFormScreen:
    tap(qtbot, find(window, "RequestEntry"))
    form = form_of(window)
    # the name, on the on-screen keyboard: zhang → 张, san → 三
    tap(qtbot, form.inputs["name"])
    assert window.keyboard.isVisible() and window.keyboard.mode == "pinyin"
    type_on_keyboard(qtbot, window, "zhang")
    tap(qtbot, next(b for b in window.keyboard.candidate_buttons if b.text() == "张"))
    type_on_keyboard(qtbot, window, "san")
    tap(qtbot, next(b for b in window.keyboard.candidate_buttons if b.text() == "三"))
    assert form.inputs["name"].text() == "张三"
    tap(qtbot, form.inputs["id_number"])
    assert window.keyboard.mode == "digits", "number fields open the digit keys"
    for ch in "11539919800101002X":
        tap(qtbot, find(window.keyboard, f"key_{ch}"))
    tap(qtbot, form.inputs["phone"])
    for ch in "0889312560":
        tap(qtbot, find(window.keyboard, f"key_{ch}"))
    tap(qtbot, form.inputs["description"])
    commit_text(form.inputs["description"], "2024年本村低保资金发放名单（汇总数）")
    return form


def test_request_prints_and_forgets(qtbot: Any, window: Any) -> None:
    form = fill(qtbot, window)
    tap(qtbot, find(window, "PrintRequest"))
    settle(window)
    outcome = form.last_outcome
    assert outcome.ok and outcome.pdf_path is not None
    pdf = QPdfDocument()
    assert pdf.load(str(outcome.pdf_path)) == QPdfDocument.Error.None_
    text = "".join(pdf.getAllText(0).text().split())
    assert "政府信息公开申请表" in text and "张三" in text and "第二十九条" in text
    pdf.close()
    assert form.outcome.isVisible()
    assert all(
        not (w.toPlainText() if hasattr(w, "toPlainText") else w.text())
        for w in form.inputs.values()
    )
    assert not (window.services.context.data_dir / "requests").exists()


def test_request_is_kept_when_the_librarian_enabled_it(qtbot: Any, make_window: Any) -> None:
    window = make_window(keep_requests=True)
    fill(qtbot, window)
    tap(qtbot, find(window, "PrintRequest"))
    kept = list((window.services.context.data_dir / "requests").glob("*.json"))
    assert len(kept) == 1 and "张三" in kept[0].read_text("utf-8")


def test_missing_fields_are_explained_in_place(qtbot: Any, window: Any) -> None:
    tap(qtbot, find(window, "RequestEntry"))
    form = form_of(window)
    tap(qtbot, find(window, "choice_delivery_post"))
    tap(qtbot, find(window, "PrintRequest"))
    for key in ("name", "id_number", "phone", "description", "address"):
        assert form.errors[key].isVisible(), key
        assert form.inputs[key].property("invalid") is True
    assert not form.errors["email"].isVisible()
    assert not (window.services.context.data_dir / "prints").exists(), "nothing printed"


def test_email_field_types_latin_letters(qtbot: Any, window: Any) -> None:
    tap(qtbot, find(window, "RequestEntry"))
    form = form_of(window)
    tap(qtbot, form.inputs["email"])
    assert window.keyboard.mode == "latin"
    type_on_keyboard(qtbot, window, "abc")
    assert form.inputs["email"].text() == "abc"
    tap(qtbot, find(window.keyboard, "key_mode"))
    tap(qtbot, find(window.keyboard, "key_@"))
    assert form.inputs["email"].text() == "abc@"


def test_the_request_pdf_is_deleted_at_the_idle_reset(qtbot: Any, window: Any) -> None:
    """The PDF holds a name, a full 身份证号 and a phone number: it lives only while its
    person is at the kiosk."""
    form = fill(qtbot, window)
    tap(qtbot, find(window, "PrintRequest"))
    pdf = form.last_outcome.pdf_path
    assert pdf is not None and pdf.is_file(), "kept while the person asks the librarian"
    window._on_idle()  # the idle timeout's reset
    assert not pdf.exists()
    assert not list(pdf.parent.glob("*.pdf"))


def test_a_request_pdf_left_by_a_crash_is_deleted_at_start(
    qtbot: Any, make_window: Any, ui_context: Any
) -> None:
    prints = ui_context.data_dir / "prints"
    prints.mkdir(parents=True)
    left = prints / "20260101-120000-request.personal.pdf"
    left.write_bytes(b"%PDF-1.4 name, id number, phone")
    other = prints / "20260101-120000-tx-doc.pdf"
    other.write_bytes(b"%PDF-1.4 a public document")
    make_window()
    assert not left.exists()
    assert other.exists(), "printed public documents are not personal"
