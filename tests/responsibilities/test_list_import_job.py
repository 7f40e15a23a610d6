"""List imports run as a background job: the upload is checked in the request, a Celery task reads and
checks the rows recording its progress and row errors in the database, then the existing import service
applies the file (all or nothing, or the valid rows on the editor's choice), exactly once."""

import datetime

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from responsibilities import imports, services
from responsibilities.models import ImportJob, ImportJobStatus, ListEvent

pytestmark = pytest.mark.django_db

GOOD = ["JB-010", "组织开展垃圾分类", "基本履职事项", "综合执法", "", "", "", "12", "3", "垃圾"]
BAD_NO_DEPT = ["PH-010", "配合开展油烟治理", "配合履职事项", "综合执法", "", "", "", "", "", "油烟"]
CODE = "x-township"


def xlsx_bytes(*rows):
    data = tablib.Dataset(headers=imports.HEADERS)
    for row in rows:
        data.append(row)
    return data.export("xlsx")


def many_rows(n, bad_at=()):
    rows = []
    for i in range(1, n + 1):
        row = [f"JB-{i:04d}", f"事项{i}", "基本履职事项", "综合执法", "", "", "", "", "", ""]
        if i in bad_at:
            row[2] = "不存在的类别"
        rows.append(row)
    return rows


@pytest.fixture
def draft(org, published):
    duty_list, _ = published
    return services.list_draft_start(duty_list=duty_list, actor=org.editor)


def upload(client, django_capture_on_commit_callbacks, content, name="清单.xlsx", **data):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("responsibilities:draft_import", args=[CODE]),
                           {"file": SimpleUploadedFile(name, content), "mode": "merge", **data})


def job_url(job, name="import_job"):
    return reverse(f"responsibilities:{name}", args=[CODE, job.pk])


def test_an_upload_with_a_bad_row_becomes_a_job_that_reports_it_and_imports_nothing(
    org, draft, client_for, django_capture_on_commit_callbacks
):
    client = client_for(org.editor)
    response = upload(client, django_capture_on_commit_callbacks, xlsx_bytes(GOOD, BAD_NO_DEPT))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job_url(job)
    job.refresh_from_db()
    assert job.status == ImportJobStatus.NEEDS_CHOICE and job.valid_count == 1 and job.rows_total == 2
    assert job.row_errors == [{"row": 3, "code": "PH-010", "title": "配合开展油烟治理",
                               "errors": ["配合履职事项和负面清单事项必须填写牵头/责任部门。"]}]
    assert not draft.items.filter(code="JB-010").exists()
    body = client.get(job_url(job)).content.decode()
    assert "文件有错误，没有导入任何事项" in body and "第 3 行" in body and "仍导入其余 1 个有效行" in body
    assert 'http-equiv="refresh"' not in body  # finished: no more reloading


def test_choosing_the_valid_rows_imports_them_once_through_the_import_service(
    org, draft, client_for, django_capture_on_commit_callbacks
):
    client = client_for(org.editor)
    upload(client, django_capture_on_commit_callbacks, xlsx_bytes(GOOD, BAD_NO_DEPT))
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(job_url(job, "import_job_import_valid"))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJobStatus.IMPORTED and job.result == {"created": 1, "updated": 0, "removed": 0, "skipped": 1}
    assert bytes(job.content) == b""  # the file is not kept once imported
    assert draft.items.filter(code="JB-010").exists() and not draft.items.filter(code="PH-010").exists()
    assert "导入完成：新增 1 项，更新 0 项，删除 0 项。 已跳过 1 个错误行。" in client.get(job_url(job)).content.decode()
    # Choosing again, or the task running again (a retry, a redelivery), changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(job_url(job, "import_job_import_valid"), follow=True)
    assert "该导入任务已经处理，不能再次导入。" in response.content.decode()
    services.import_job_run(job.pk)
    services.import_job_run(job.pk, retrying=True)
    services.import_job_apply(job.pk)
    assert ListEvent.objects.filter(action="version.imported").count() == 1
    assert draft.items.filter(code="JB-010").count() == 1


def test_a_good_file_is_imported_by_the_job_and_its_page_says_so(org, draft, client_for, django_capture_on_commit_callbacks):
    client = client_for(org.editor)
    fixed = BAD_NO_DEPT[:6] + ["县综合执法局"] + BAD_NO_DEPT[7:]
    response = upload(client, django_capture_on_commit_callbacks, xlsx_bytes(GOOD, fixed))
    response = client.get(response["Location"])
    assert "导入完成：新增 2 项，更新 0 项，删除 0 项。" in response.content.decode()
    assert draft.items.filter(code__in=["JB-010", "PH-010"]).count() == 2


def test_the_job_runs_once_when_the_task_is_delivered_twice(org, draft):
    job = services.import_job_create(version=draft, actor=org.editor, filename="a.xlsx", content=xlsx_bytes(GOOD))
    from responsibilities.tasks import import_job_run

    import_job_run.apply(args=[job.pk])
    import_job_run.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == ImportJobStatus.IMPORTED
    assert ListEvent.objects.filter(action="version.imported").count() == 1


def test_a_job_whose_worker_died_is_taken_over_but_a_live_one_is_not(org, draft, time_machine):
    time_machine.move_to(datetime.datetime(2026, 7, 1, 9, 0, tzinfo=datetime.UTC), tick=False)
    job = services.import_job_create(version=draft, actor=org.editor, filename="a.xlsx", content=xlsx_bytes(GOOD))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.VALIDATING, rows_processed=1)
    assert services.import_job_run(job.pk) is None  # another worker is on it (its row is fresh)
    assert services.import_jobs_resume() == 0
    job.refresh_from_db()
    assert job.status == ImportJobStatus.VALIDATING
    time_machine.move_to(timezone.now() + datetime.timedelta(minutes=3), tick=False)
    assert services.import_jobs_resume() == 1  # the beat task re-queues it; tests run tasks eagerly
    job.refresh_from_db()
    assert job.status == ImportJobStatus.IMPORTED and draft.items.filter(code="JB-010").exists()


def test_progress_and_row_errors_are_in_the_database_while_the_rows_are_checked(org, draft, monkeypatch):
    job = services.import_job_create(
        version=draft, actor=org.editor, filename="big.xlsx", content=xlsx_bytes(*many_rows(250, bad_at={50, 150})),
    )
    seen = []
    real = imports.validate_rows

    def observed(dataset, on_progress=None):
        def snapshot(checked, results):
            on_progress(checked, results)
            row = ImportJob.objects.get(pk=job.pk)  # what the job page would read at this moment
            seen.append((row.status, row.rows_processed, row.rows_total, [e["row"] for e in row.row_errors]))
        return real(dataset, on_progress=snapshot if on_progress else None)

    monkeypatch.setattr(imports, "validate_rows", observed)
    services.import_job_run(job.pk)
    assert seen == [
        ("validating", 100, 250, [51]),
        ("validating", 200, 250, [51, 151]),
        ("validating", 250, 250, [51, 151]),
    ]
    job.refresh_from_db()
    assert job.status == ImportJobStatus.NEEDS_CHOICE and job.valid_count == 248


def test_a_running_job_page_reloads_itself_and_shows_the_errors_found_so_far(org, draft, client_for):
    job = services.import_job_create(version=draft, actor=org.editor, filename="big.xlsx", content=b"x")
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJobStatus.VALIDATING, rows_total=250, rows_processed=100,
        row_errors=[{"row": 51, "code": "JB-0050", "title": "事项50", "errors": ["事项类别“x”无效"]}],
    )
    client = client_for(org.editor)
    body = client.get(job_url(job)).content.decode()
    # A script polls the status below; without script the page refreshes itself.
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in body
    assert '<progress id="job-progress" max="100" value="40">' in body
    assert "已检查 100 / 250 行" in body and "第 51 行" in body and "立即刷新" in body
    status = client.get(job_url(job, "import_job_status"))
    assert status["Cache-Control"] == "no-store"
    assert status.json()["error_rows"][0]["row"] == 51
    assert status.json() | {"error_rows": None} == {
        "id": job.pk, "status": "validating", "status_label": "正在检查", "running": True, "rows_total": 250,
        "rows_processed": 100, "percent": 40, "valid_rows": 0, "error_rows": None, "result": {}, "error": "",
        "progress_text": "已检查 100 / 250 行，已发现 1 个错误行",
    }


def test_only_the_uploader_and_staff_see_a_job(org, draft, client_for):
    from governance.models import Role
    from governance.services import membership_grant
    from tests.personas import make_user

    other_editor = make_user("p_editor2", "另一编辑")
    membership_grant(user=other_editor, unit=org.county, role=Role.EDITOR)
    job = services.import_job_create(version=draft, actor=org.editor, filename="a.xlsx", content=b"x")
    for name in ("import_job", "import_job_status"):
        assert client_for(org.editor).get(job_url(job, name)).status_code == 200
        assert client_for(org.admin).get(job_url(job, name)).status_code == 200
        for user in (other_editor, org.reporter, org.supervisor):
            assert client_for(user).get(job_url(job, name)).status_code == 404
        assert client_for(None).get(job_url(job, name)).status_code == 302
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.NEEDS_CHOICE, valid_count=1)
    # Staff may look but not import someone else's file; the other editor cannot even find it.
    assert client_for(org.admin).post(job_url(job, "import_job_import_valid")).status_code == 403
    assert client_for(other_editor).post(job_url(job, "import_job_import_valid")).status_code == 404
    assert client_for(org.editor).get(job_url(job, "import_job_import_valid")).status_code == 405
    job.refresh_from_db()
    assert job.status == ImportJobStatus.NEEDS_CHOICE


@pytest.mark.parametrize("name, content, message", [
    ("list.pdf", b"%PDF", "只支持 Excel（.xlsx）和 CSV（.csv）文件"),
    ("list.csv", "编码,备注\nJB-1,x\n".encode(), "缺少必填列：事项名称、事项类别、四平台分类"),
    ("list.xlsx", b"PK\x03\x04 not a zip", "文件无法读取"),
])
def test_the_upload_is_checked_before_any_job_is_queued(
    org, draft, client_for, django_capture_on_commit_callbacks, name, content, message
):
    response = upload(client_for(org.editor), django_capture_on_commit_callbacks, content, name=name)
    assert response.status_code == 200 and message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_over_the_row_limit_fails_the_job_with_the_reason(org, draft, client_for, django_capture_on_commit_callbacks):
    text = ",".join(imports.HEADERS) + "\n" + "".join(f"JB-{i},事项{i},基本履职事项,综合执法,,,,,,\n" for i in range(3001))
    response = upload(client_for(org.editor), django_capture_on_commit_callbacks, text.encode(), name="big.csv")
    job = ImportJob.objects.get()
    assert job.status == ImportJobStatus.FAILED and "一次最多导入 3000 行" in job.error
    assert "一次最多导入 3000 行" in client_for(org.editor).get(response["Location"]).content.decode()


def test_a_job_for_a_draft_published_meanwhile_fails_with_a_clear_reason(org, draft):
    job = services.import_job_create(version=draft, actor=org.editor, filename="a.xlsx", content=xlsx_bytes(GOOD))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.PENDING)
    services.list_publish(version=draft, actor=org.editor, effective_date=datetime.date(2026, 8, 1))
    services.import_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED and "该版本已经发布" in job.error
