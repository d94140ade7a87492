"""The console's pages: every route checks the role it needs; every change is audited.

Content changes follow the command line's rules exactly: drafts are checked by ``content
check``'s validator (``bot.editor.drafts``), publishing is ``bot.content.publish.publish``.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from bot.content.coverage import BROKEN, MISSING, PENDING, PUBLISHED
from bot.content.loader import ContentTree
from bot.content.publish import (
    PublishConflict,
    answer_row,
    contact_row,
    preview_view,
    publish,
    roll_back,
)
from bot.content.render import render_answer, render_contact, render_phrase_card
from bot.content.repository import contact_view
from bot.content.validate import stale_before
from bot.editor import accounts, audit, drafts, retrain
from bot.editor.context import Console, console_of, db, requires
from bot.editor.state import Checked
from bot.editor.unanswered import group_questions
from bot.i18n import _, use_locale
from bot.models.content import Answer, Contact, ContentVersion, LexiconTerm
from bot.models.editor import ROLES, EditorAccount
from bot.models.users import FeedbackCount, FeedbackWeek
from bot.recruitment.companies import week_of
from vietnlp.countries import COUNTRY_CODES, COUNTRY_NAMES, PHRASE_LANGUAGE

console = Blueprint("console", __name__)


def _c() -> Console:
    return console_of(current_app)


def _who() -> str:
    return str(g.account.username)


# --- login ------------------------------------------------------------------------------------


@console.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    if request.method == "POST":
        username = request.form.get("username", "")[:64]
        password = request.form.get("password", "")[:1024]
        with db() as s:
            outcome = accounts.authenticate(s, username, password)
            # A name that is no account is not written down: it may be a mistyped password.
            known = accounts.find_account(s, username) is not None
            audit.record(s, username.strip().lower() if known else "?", f"login_{outcome.status}")
            if outcome.status == "ok":
                assert outcome.account is not None
                session.clear()
                session.permanent = True
                session["account_id"] = outcome.account.id
                session["epoch"] = outcome.account.session_epoch
                return redirect(_safe_next(request.args.get("next")))
        if outcome.status == "locked":
            error = _(
                "Tài khoản tạm khóa vì nhập sai mật khẩu nhiều lần. Hãy thử lại sau {n} phút."
            ).format(n=accounts.LOCK_MINUTES)
        else:
            error = _("Tên đăng nhập hoặc mật khẩu không đúng.")
    with db() as s:
        first_run = s.scalars(select(EditorAccount.id).limit(1)).first() is None
    return render_template("login.html", error=error, first_run=first_run), 401 if error else 200


def _safe_next(target: str | None) -> str:
    # Only paths on this site: an open redirect would help phishing for editors' passwords.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("console.coverage_page")


@console.route("/logout", methods=["POST"])
def logout() -> Response:
    with db() as s:
        audit.record(s, _who(), "logout")
    session.clear()
    return redirect(url_for("console.login"))


# --- coverage ---------------------------------------------------------------------------------


@console.route("/")
@requires("editor")
def coverage_page() -> str:
    checked = _c().content.get()
    return render_template(
        "coverage.html",
        rows=checked.coverage,
        countries=COUNTRY_CODES,
        names=COUNTRY_NAMES,
        marks={PUBLISHED: "ok", PENDING: "pending", MISSING: "missing", BROKEN: "broken"},
        errors=len(checked.report.errors),
        feedback=_feedback_totals(),
        text_files=drafts.TEXT_FILES,
        # one url_for instead of one per cell (ids are [a-z0-9-], safe in a path)
        answer_prefix=url_for("console.answer_page", country="jp", answer_id="x")[: -len("jp/x")],
    )


def _feedback_totals() -> dict[tuple[str, str], tuple[int, int]]:
    with db() as s:
        return {(f.answer_id, f.country): (f.up, f.down) for f in s.scalars(select(FeedbackCount))}


# --- one answer -------------------------------------------------------------------------------


def _country(country: str) -> str:
    if country not in COUNTRY_CODES:
        abort(404)
    return country


def _answer_id(answer_id: str) -> str:
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", answer_id) or len(answer_id) > 100:
        abort(404)
    return answer_id


def _save_checked(rel: str, text: str, base: str, check: drafts.DraftCheck) -> str | None:
    """Save a checked draft; ``None`` when saved, else why not (shown above the form)."""
    if not check.ok:
        return _("Chưa lưu: hãy sửa các lỗi được đánh dấu bên dưới.")
    try:
        drafts.save(_c().settings.content_dir, rel, text, base)
    except drafts.EditConflict:
        return _("Chưa lưu: người khác vừa lưu tệp này. Mở lại trang để xem bản mới, rồi sửa lại.")
    flash(_("Đã lưu vào {file}. Bản này chưa được xuất bản.").format(file=rel))
    return None


@console.route("/answer/<country>/<answer_id>", methods=["GET", "POST"])
@requires("editor")
def answer_page(country: str, answer_id: str) -> Any:
    country, answer_id = _country(country), _answer_id(answer_id)
    c = _c()
    rel = drafts.answer_rel(country, answer_id)
    on_disk = drafts.read_text(c.settings.content_dir, rel)
    exists = bool(on_disk)
    base_text = on_disk or drafts.new_answer_text(country, answer_id, date.today())
    message = None
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in drafts.ANSWER_FIELDS}
        base = request.form.get("base", "")
        text = drafts.apply_form(base_text, values, country)
        check = drafts.check_draft(
            c.settings.content_dir, rel, text, date.today(), c.content.get().report
        )
        elsewhere = check.elsewhere
        if request.form.get("action") == "save":
            message = _save_checked(rel, text, base, check)
            if message is None:
                old = drafts.form_values(base_text)
                changed = [n for n in drafts.ANSWER_FIELDS if values[n].strip() != old[n].strip()]
                with db() as s:
                    audit.record(s, _who(), "save_answer", rel, "fields: " + ", ".join(changed))
                page = url_for("console.answer_page", country=country, answer_id=answer_id)
                return redirect(page + "#preview")
        tree, by_field, problems = check.tree, check.by_field, check.problems
    else:
        checked = c.content.get()
        tree = checked.tree
        # the file as the last check read it (parsing YAML is the slow part of this page)
        item = next((i for i in tree.answers.get(country, []) if i.model.id == answer_id), None)
        node = item.node if item is not None and exists else drafts.parse(base_text)
        values = drafts.form_values(base_text, node)
        base = drafts.text_digest(on_disk)
        problems = [p for p in checked.report.problems if p.path == rel]
        by_field = drafts.fields_of(base_text, problems, node)
        elsewhere = []
    preview = _preview(tree, country, answer_id)
    return render_template(
        "answer.html",
        country=country,
        answer_id=answer_id,
        rel=rel,
        exists=exists,
        values=values,
        base=base,
        by_field=by_field,
        problems=problems,
        elsewhere=elsewhere,
        message=message,
        preview=preview,
        diff=drafts.diff_rows(_live_row(country, answer_id), _draft_row(tree, country, answer_id)),
        lang=PHRASE_LANGUAGE[country],
    )


def _preview(tree: ContentTree, country: str, answer_id: str) -> dict[str, Markup] | None:
    if not any(i.model.id == answer_id for i in tree.answers.get(country, [])):
        return None
    view = preview_view(tree, country, answer_id)
    # render_answer escapes all content text and emits only Telegram's tags (<b>, <a>).
    # Workers read Vietnamese, whatever language the editor's console is in.
    with use_locale("vi"):
        result = {
            "short": Markup(render_answer(view, "html")),
            "full": Markup(render_answer(view, "html", full=True)),
        }
        if view.phrases:
            result["phrases"] = Markup(render_phrase_card(view.phrases, "html"))
    return result


def _draft_row(tree: ContentTree, country: str, answer_id: str) -> dict[str, Any] | None:
    item = next((i for i in tree.answers.get(country, []) if i.model.id == answer_id), None)
    if item is None:
        return None
    return answer_row(item.model, country, "", {item.model.id, *item.model.related})


def _live_row(country: str, answer_id: str) -> dict[str, Any] | None:
    with db() as s:
        row = s.scalars(
            select(Answer)
            .join(ContentVersion, ContentVersion.id == Answer.version_id)
            .where(ContentVersion.is_live, Answer.country == country, Answer.answer_id == answer_id)
        ).first()
        if row is None:
            return None
        return {a.key: getattr(row, a.key) for a in row.__mapper__.column_attrs}


# --- contacts and the emergency lexicon (edited as text) -------------------------------------


@console.route("/file/<path:rel>", methods=["GET", "POST"])
@requires("editor")
def file_page(rel: str) -> Any:
    if rel not in drafts.TEXT_FILES:
        abort(404)
    c = _c()
    on_disk = drafts.read_text(c.settings.content_dir, rel)
    message = None
    if request.method == "POST":
        text = request.form.get("text", "").replace("\r\n", "\n")
        base = request.form.get("base", "")
        check = drafts.check_draft(
            c.settings.content_dir, rel, text, date.today(), c.content.get().report
        )
        tree, problems, elsewhere = check.tree, check.problems, check.elsewhere
        if request.form.get("action") == "save":
            message = _save_checked(rel, text, base, check)
            if message is None:
                with db() as s:
                    audit.record(s, _who(), "save_file", rel)
                return redirect(url_for("console.file_page", rel=rel))
    else:
        text, base = on_disk, drafts.text_digest(on_disk)
        checked = c.content.get()
        tree, problems = checked.tree, [p for p in checked.report.problems if p.path == rel]
        elsewhere = []
    country = (
        rel.removeprefix("contacts/").removesuffix(".yml") if rel.startswith("contacts/") else None
    )
    contacts, diff, card = [], [], None
    if country is not None:
        contacts = _contact_previews(tree, country)
        diff = drafts.diff_rows_by_id(_live_contacts(country), _draft_contacts(tree, country))
        phones_changed = any(line.startswith("phones:") for d in diff for _k, line in d.lines)
        if country in COUNTRY_CODES and phones_changed and request.method == "POST":
            png = drafts.draft_card_png(c.settings.content_dir, rel, text, country)
            card = base64.b64encode(png).decode("ascii") if png else None
    elif tree.lexicon is not None:
        diff = drafts.diff_rows_by_id(_live_lexicon(), _draft_lexicon(tree))
    return render_template(
        "file.html",
        rel=rel,
        text=text,
        base=base,
        message=message,
        problems=problems,
        elsewhere=elsewhere,
        lines=drafts.lines_with_problems(text, problems),
        contacts=contacts,
        diff=diff,
        card=card,
    )


def _contact_previews(tree: ContentTree, country: str) -> list[tuple[str, str, Markup]]:
    with use_locale("vi"):
        return [
            (
                item.model.id,
                item.model.status,
                Markup(render_contact(contact_view(contact_row(item.model, country, n)), "html")),
            )
            for n, item in enumerate(tree.contacts.get(country, []))
        ]


def _draft_contacts(tree: ContentTree, country: str) -> dict[str, dict[str, Any]]:
    return {
        item.model.id: contact_row(item.model, country, n)
        for n, item in enumerate(tree.contacts.get(country, []))
        if item.model.status == "published"
    }


def _live_contacts(country: str) -> dict[str, dict[str, Any]]:
    with db() as s:
        return {
            row.contact_id: {a.key: getattr(row, a.key) for a in row.__mapper__.column_attrs}
            for row in s.scalars(
                select(Contact)
                .join(ContentVersion, ContentVersion.id == Contact.version_id)
                .where(ContentVersion.is_live, Contact.country == country)
            )
        }


def _draft_lexicon(tree: ContentTree) -> dict[str, dict[str, Any]]:
    assert tree.lexicon is not None
    return {kind: {"terms": [t for t in terms if t]} for kind, terms in tree.lexicon.model}


def _live_lexicon() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    with db() as s:
        for term in s.scalars(
            select(LexiconTerm)
            .join(ContentVersion, ContentVersion.id == LexiconTerm.version_id)
            .where(ContentVersion.is_live)
            .order_by(LexiconTerm.position)
        ):
            found.setdefault(term.kind, {"terms": []})["terms"].append(term.term)
    return found


# --- publishing and history -------------------------------------------------------------------


@console.route("/publish", methods=["GET", "POST"])
@requires("editor")
def publish_page() -> Any:
    c = _c()
    result = None
    if request.method == "POST":
        if not accounts.has_role(g.account.role, "publisher"):
            abort(403)
        try:
            result = publish(c.settings.content_dir, c.sessions, published_by=_who())
        except PublishConflict:
            flash(_("Một người khác vừa xuất bản cùng lúc; hãy bấm Xuất bản lại."))
            return redirect(url_for("console.publish_page"))
        with db() as s:
            audit.record(s, _who(), f"publish_{result.outcome}", f"version {result.version or '-'}")
        if result.outcome == "published":
            flash(_("Đã xuất bản phiên bản {v}. Bot hiển thị nội dung mới sau vài giây.").format(
                v=result.version))  # fmt: skip
        elif result.outcome == "unchanged":
            flash(_("Không có gì thay đổi: phiên bản {v} đang được dùng.").format(v=result.version))
        if result.outcome != "rejected":
            return redirect(url_for("console.publish_page"))
    checked = c.content.get()
    return render_template(
        "publish.html",
        report=result.report if result else checked.report,
        rejected=result is not None,
        changes=_changed_answers(checked),
    )


def _changed_answers(checked: Checked) -> list[tuple[str, str, list[str]]]:
    """(country, answer id, changed fields) for each answer whose file differs from live.

    Remembered with the checked files, per live version: both change rarely, the page is
    opened often.
    """
    with db() as s:
        live_id = s.scalars(select(ContentVersion.id).where(ContentVersion.is_live)).first()
    key = ("changes", live_id)
    if key not in checked.memo:
        checked.memo[key] = _compute_changes(checked.tree)
    changes: list[tuple[str, str, list[str]]] = checked.memo[key]
    return changes


def _compute_changes(tree: ContentTree) -> list[tuple[str, str, list[str]]]:
    with db() as s:
        live = {
            (a.country, a.answer_id): {k.key: getattr(a, k.key) for k in a.__mapper__.column_attrs}
            for a in s.scalars(
                select(Answer)
                .join(ContentVersion, ContentVersion.id == Answer.version_id)
                .where(ContentVersion.is_live)
            )
        }
    changes = []
    for country in COUNTRY_CODES:
        for item in tree.answers.get(country, []):
            if item.model.status != "published" and (country, item.model.id) not in live:
                continue
            draft = _draft_row(tree, country, item.model.id)
            diff = drafts.diff_rows(live.get((country, item.model.id)), draft)
            if diff:
                changes.append((country, item.model.id, [d.name for d in diff]))
    return changes


@console.route("/history")
@requires("editor")
def history_page() -> str:
    with db() as s:
        versions = list(s.scalars(select(ContentVersion).order_by(ContentVersion.id.desc())))
        counts: dict[int, int] = {
            version: count
            for version, count in s.execute(
                select(Answer.version_id, func.count()).group_by(Answer.version_id)
            )
        }
    return render_template("history.html", versions=versions, counts=counts)


@console.route("/history/<int:version_id>/rollback", methods=["POST"])
@requires("publisher")
def rollback(version_id: int) -> Response:
    c = _c()
    try:
        result = roll_back(
            c.sessions, version_id, published_by=f"{_who()} (roll back to v{version_id})"
        )
    except LookupError:
        abort(404)
    except PublishConflict:
        flash(_("Một người khác vừa xuất bản cùng lúc; hãy thử lại."))
        return redirect(url_for("console.history_page"))
    with db() as s:
        audit.record(s, _who(), "rollback", f"version {version_id}", f"now live: {result.version}")
    flash(_("Nội dung của phiên bản {old} đang được dùng lại (phiên bản {new}).").format(
        old=version_id, new=result.version))  # fmt: skip
    return redirect(url_for("console.history_page"))


# --- unanswered questions and retraining ------------------------------------------------------


def _topics() -> list[tuple[str, list[tuple[str, str]]]]:
    """The NLU's topics (intents of intents.yml) by chapter: (chapter, [(intent, label)]).

    Each intent is labelled with the title and id of the answer it opens; with one intent per
    topic the intent is the topic id with "_" for "-".
    """
    tree = _c().content.get().tree
    titles: dict[str, str] = {}
    for country in COUNTRY_CODES:  # Japan's wording first, as in the coverage table
        for item in tree.answers.get(country, []):
            titles.setdefault(item.model.id, item.model.title)
    intents = tree.intents.model.root if tree.intents else {}
    chapters = tree.topics.model.chapters if tree.topics else []
    chapter_of = {aid: f"{ch.icon} {ch.title}" for ch in chapters for aid in ch.answers}
    grouped: dict[str, list[tuple[str, str]]] = {}
    for intent, ids in intents.items():
        if ids:
            label = f"{titles.get(ids[0], ids[0])} ({', '.join(ids)})"
            grouped.setdefault(chapter_of.get(ids[0], "—"), []).append((intent, label))
    return list(grouped.items())


def _known_intents() -> set[str]:
    return {intent for _chapter, options in _topics() for intent, _label in options}


@console.route("/unanswered")
@requires("editor")
def unanswered_page() -> str:
    with db() as s:
        groups = group_questions(s)
        requested = {row.target for row in audit.recent(s, 1000) if row.action == "need_content"}
    return render_template("unanswered.html", groups=groups, topics=_topics(), requested=requested)


@console.route("/unanswered/example", methods=["POST"])
@requires("editor")
def add_example() -> Response:
    c = _c()
    topic = request.form.get("topic", "")
    intent = retrain.intent_for_topic(topic)
    if intent not in _known_intents():
        abort(400)
    key = request.form.get("group", "")
    with db() as s:
        group = next((g for g in group_questions(s) if g.key == key), None)
        if group is None:
            flash(_("Nhóm câu hỏi này không còn nữa (câu hỏi được xóa sau 90 ngày)."))
            return redirect(url_for("console.unanswered_page"))
        path = c.settings.editor_examples_file
        added = retrain.add_examples(path, intent, group.texts)
        audit.record(s, _who(), "add_example", intent, f"{len(added)} example(s)")
        job = None
        if added:
            job = c.retrainer.start(
                _who(), undo=lambda: retrain.remove_examples(path, intent, added)
            )
        if job is not None:
            audit.record(s, _who(), "retrain_start", intent)
    if not added:
        flash(_("Các câu này đã có trong dữ liệu huấn luyện."))
        return redirect(url_for("console.unanswered_page"))
    if job is None:
        flash(_("Đã thêm ví dụ. Một lần huấn luyện đang chạy; hãy bắt đầu lại khi nó xong."))
    return redirect(url_for("console.retrain_page"))


@console.route("/unanswered/need-content", methods=["POST"])
@requires("editor")
def need_content() -> Response:
    key = request.form.get("group", "")[:200]
    with db() as s:
        audit.record(s, _who(), "need_content", key, request.form.get("note", "")[:500])
    flash(_("Đã ghi lại: cần viết nội dung mới cho câu hỏi này."))
    return redirect(url_for("console.unanswered_page"))


@console.route("/retrain", methods=["GET", "POST"])
@requires("editor")
def retrain_page() -> Any:
    c = _c()
    if request.method == "POST":
        job = c.retrainer.start(_who())
        with db() as s:
            audit.record(s, _who(), "retrain_start" if job else "retrain_busy")
        return redirect(url_for("console.retrain_page"))
    return render_template("retrain.html", job=c.retrainer.current)


# --- feedback and stale facts -----------------------------------------------------------------


FEEDBACK_WEEKS = 8


@console.route("/feedback")
@requires("editor")
def feedback_page() -> str:
    """Totals per answer and country, least liked first, with the last weeks beside them."""
    weeks = [week_of(date.today()) - timedelta(weeks=n) for n in range(FEEDBACK_WEEKS)][::-1]
    with db() as s:
        rows = list(s.scalars(select(FeedbackCount)))
        by_week = {
            (w.answer_id, w.country, w.week): (w.up, w.down)
            for w in s.scalars(select(FeedbackWeek).where(FeedbackWeek.week >= weeks[0]))
        }
    rows.sort(key=lambda f: (-(f.down / max(1, f.up + f.down)), -(f.up + f.down), f.answer_id))
    return render_template(
        "feedback.html", rows=rows, names=COUNTRY_NAMES, weeks=weeks, by_week=by_week
    )


@console.route("/stale")
@requires("editor")
def stale_page() -> str:
    checked = _c().content.get()
    cutoff = stale_before(checked.checked_on)
    items = [
        (item.model.verified_on, "answer", country, item.model.id, item.path)
        for country, answers in checked.tree.answers.items()
        for item in answers
        if item.model.verified_on < cutoff
    ] + [
        (item.model.verified_on, "contact", country, item.model.id, item.path)
        for country, contacts in checked.tree.contacts.items()
        for item in contacts
        if item.model.verified_on < cutoff
    ]
    items.sort()
    return render_template("stale.html", items=items, cutoff=cutoff)


# --- accounts and audit (admin) ---------------------------------------------------------------


@console.route("/accounts", methods=["GET", "POST"])
@requires("admin")
def accounts_page() -> Any:
    error = None
    if request.method == "POST":
        action = request.form.get("action")
        with db() as s:
            try:
                if action == "create":
                    account = accounts.create_account(
                        s, request.form.get("username", ""), request.form.get("password", ""),
                        request.form.get("role", ""),
                    )  # fmt: skip
                    audit.record(s, _who(), "account_create", account.username, account.role)
                else:
                    _change_account(s, action)
            except accounts.AccountError as exc:
                error = _account_error(exc)
        if error is None:
            return redirect(url_for("console.accounts_page"))
    with db() as s:
        rows = list(s.scalars(select(EditorAccount).order_by(EditorAccount.username)))
    return render_template("accounts.html", accounts=rows, roles=ROLES, error=error)


def _account_error(error: accounts.AccountError) -> str:
    messages = {
        "password": _("Mật khẩu cần ít nhất {n} ký tự.").format(n=accounts.MIN_PASSWORD_CHARS),
        "username": _(
            "Tên đăng nhập gồm 2–64 chữ thường không dấu, số, dấu chấm, gạch ngang hoặc gạch dưới."
        ),
        "role": _("Vai trò phải là editor, publisher hoặc admin."),
        "taken": _("Tên đăng nhập này đã có người dùng."),
        "self": _("Bạn không thể đổi vai trò hay khóa chính tài khoản của mình."),
    }
    return messages.get(error.code, str(error))


def _change_account(s: Any, action: str | None) -> None:
    account = s.get(EditorAccount, request.form.get("account_id", type=int))
    if account is None:
        abort(404)
    if account.id == g.account.id and action in {"role", "deactivate"}:
        raise accounts.AccountError(
            "self", "you cannot change your own role or deactivate yourself"
        )
    if action == "role":
        role = request.form.get("role", "")
        if role not in ROLES:
            raise accounts.AccountError("role", f"the role must be one of {', '.join(ROLES)}")
        account.role = role
        audit.record(s, _who(), "account_role", account.username, role)
    elif action == "deactivate":
        account.active = False
        account.session_epoch += 1
        audit.record(s, _who(), "account_deactivate", account.username)
    elif action == "activate":
        account.active = True
        audit.record(s, _who(), "account_activate", account.username)
    elif action == "password":
        accounts.set_password(account, request.form.get("password", ""))
        audit.record(s, _who(), "account_password", account.username)
    else:
        abort(400)


@console.route("/audit")
@requires("admin")
def audit_page() -> str:
    with db() as s:
        rows = audit.recent(s)
    return render_template("audit.html", rows=rows, now=datetime.now(UTC))
