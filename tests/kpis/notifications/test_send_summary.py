"""manage.py send_summary: the summary PDF mailed now, through a real SMTP server."""

import io

import pytest
from django.core.management import CommandError, call_command

from kpis.aggregation import aggregates_recompute
from kpis.models import MailStatus, SendingTrigger, SummarySending
from tests.factories import put_values
from tests.smtp import attachments, body


def send(*args: str) -> str:
    out = io.StringIO()
    call_command("send_summary", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def figures(world):
    put_values([(world.bts, world.d1, 2020, 420), (world.bts, world.d2, 2020, 519)])
    aggregates_recompute()


def test_the_summary_is_mailed_with_the_pdf_and_a_link(world, figures, smtp):
    output = send("--year", "2020", "--org-unit", "P", "--to", "lanhdao@example.gov.vn", "vanphong@example.gov.vn")
    assert "Đã gửi tới lanhdao@example.gov.vn" in output
    assert sorted(m["To"] for m in smtp.messages) == ["lanhdao@example.gov.vn", "vanphong@example.gov.vn"]
    message = smtp.messages[0]
    # (Python folds a long encoded subject after "Subject:"; mail programs drop the space.)
    assert message["Subject"].strip() == "Báo cáo tổng hợp chỉ tiêu chuyển đổi số năm 2020 — Tỉnh Mẫu"
    assert message["From"] == "Cổng chỉ tiêu <no-reply@chitieu.example.gov.vn>"
    [(name, pdf)] = attachments(message)
    assert name == "bao-cao-P-2020.pdf" and pdf.startswith(b"%PDF")
    text = body(message)
    assert "báo cáo tổng hợp các chỉ tiêu chuyển đổi số năm 2020 của tỉnh Mẫu" in text
    assert "https://chitieu.example.gov.vn/units/P/?year=2020" in text
    assert "Huỷ đăng ký" not in text and message["List-Unsubscribe"] is None  # nobody subscribed
    sendings = SummarySending.objects.order_by("email")
    assert [(s.email, s.status, s.trigger, s.attempts) for s in sendings] == [
        ("lanhdao@example.gov.vn", MailStatus.DELIVERED, SendingTrigger.COMMAND, 1),
        ("vanphong@example.gov.vn", MailStatus.DELIVERED, SendingTrigger.COMMAND, 1)]


@pytest.mark.parametrize(("args", "message"), [
    (["--year", "2020", "--org-unit", "NOPE", "--to", "a@example.gov.vn"], "Không có đơn vị mã \"NOPE\""),
    (["--year", "1800", "--org-unit", "P", "--to", "a@example.gov.vn"], "1990"),
    (["--year", "2020", "--org-unit", "P", "--to", "a@example.gov.vn", "khong-phai-dia-chi"],
     "Địa chỉ thư không hợp lệ: “khong-phai-dia-chi”"),
])
def test_bad_arguments_are_refused_before_anything_is_sent(world, smtp, args, message):
    with pytest.raises(CommandError, match=message):
        send(*args)
    assert smtp.messages == [] and not SummarySending.objects.exists()


def test_a_server_that_is_down_fails_the_command_and_the_sending_is_recorded(world, figures, smtp_down):
    with pytest.raises(CommandError, match="1/1 thư không gửi được"):
        send("--year", "2020", "--org-unit", "P", "--to", "lanhdao@example.gov.vn")
    sending = SummarySending.objects.get()
    assert sending.status == MailStatus.FAILED and sending.attempts == 1
    assert "ConnectionRefusedError" in sending.error


def test_a_refusing_server_fails_the_command_with_its_answer(world, figures, smtp):
    smtp.refuse()
    with pytest.raises(CommandError):
        send("--year", "2020", "--org-unit", "P", "--to", "lanhdao@example.gov.vn")
    assert "550" in SummarySending.objects.get().error and smtp.messages == []


def test_without_the_site_address_nothing_is_sent(world, smtp, settings):
    settings.PORTAL_BASE_URL = None
    with pytest.raises(CommandError, match="PORTAL_BASE_URL"):
        send("--year", "2020", "--org-unit", "P", "--to", "lanhdao@example.gov.vn")
    assert smtp.messages == [] and not SummarySending.objects.exists()


def test_a_half_years_summary_is_mailed_with_its_title(world, smtp, tmp_path):
    from tests.factories import IndicatorFactory
    from tests.kpis.export.conftest import pdf_text

    online = IndicatorFactory(code="ONLINE_DOSSIERS", name="Số hồ sơ trực tuyến", sector=world.telecom,
                              frequency="quarter", time_aggregation="sum")
    put_values([(online, world.d1, "2025-Q1", 100), (online, world.d1, "2025-Q2", 200)])
    aggregates_recompute()
    send("--year", "2025", "--period", "H1", "--org-unit", "P", "--to", "lanhdao@example.gov.vn")
    [message] = smtp.messages
    assert message["Subject"].strip() == "Báo cáo tổng hợp chỉ tiêu chuyển đổi số 6 tháng đầu năm 2025 — Tỉnh Mẫu"
    assert "các chỉ tiêu chuyển đổi số 6 tháng đầu năm 2025 của tỉnh Mẫu" in body(message)
    [(name, pdf)] = attachments(message)
    assert name == "bao-cao-P-2025-H1.pdf"
    (tmp_path / name).write_bytes(pdf)
    assert "Kết quả 6 tháng đầu năm 2025" in pdf_text(tmp_path / name)
    sending = SummarySending.objects.get()
    assert (sending.period, sending.period_kind) == (101, "half_year")
    with pytest.raises(CommandError, match="--period"):
        send("--year", "2025", "--period", "2025-Q1", "--org-unit", "P", "--to", "lanhdao@example.gov.vn")
