"""Requests to the emergency dispatch service: filing with photos, the list, comments, cancelling, rating, e-mails."""

import re
import struct
import zlib
from datetime import date
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from kabinet import messages, storage
from kabinet.dispatch import services
from kabinet.extensions import db
from kabinet.models import Account, AccountBinding, DispatchEvent, DispatchPhoto, DispatchRequest, User
from kabinet.organizations import default_organization
from tests.conftest import PASSWORD, make_user, page, queries, shows, text_of
from tests.factories import REQUISITES, add_history, make_account

ADDRESS = "г. Иркутск, ул. Ленина, д. 5, кв. 1"
VALID = {
    "category": "leak",
    "description": "Течёт стояк в ванной, вода на полу",
    "location": ADDRESS,
    "contact_phone": "+7 912 345-67-89",
    "access_time": "после 18:00",
}


@pytest.fixture
def account(app, user):
    return make_account(app, "100101", user_id=user)


@pytest.fixture
def tenant(client, auth, account):
    auth.login()
    return client


@pytest.fixture
def stranger(app):
    """Another tenant, with an account of their own and a request with a photo."""
    petr = make_user(app, login="petr", email="petr@example.org", first_name="Пётр")
    account_id = make_account(app, "100201", premises="7", user_id=petr)
    request_id = file_request(app, petr, account_id, photos=[photo_of(jpeg())])
    with app.app_context():
        photo_id = db.session.scalar(select(DispatchPhoto.id).where(DispatchPhoto.request_id == request_id))
    return {"account": account_id, "request": request_id, "photo": photo_id}


def jpeg(size=(64, 48), exif=None, color="red") -> bytes:
    out = BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", **({"exif": exif} if exif else {}))
    return out.getvalue()


def png(size=(40, 30)) -> bytes:
    out = BytesIO()
    Image.new("RGBA", size, (0, 128, 255, 128)).save(out, "PNG")
    return out.getvalue()


def photo_of(data: bytes):
    from kabinet.dispatch.photos import reencode

    return reencode("photo", BytesIO(data))


def file_request(app, user_id, account_id, photos=(), **fields) -> int:
    with app.app_context():
        user = db.session.get(User, user_id)
        account = db.session.get(Account, account_id) if account_id else None
        fields = {**VALID, "contact_phone": "+79123456789", **fields}
        request, _ = services.create(user, account, photos=photos, **fields)
        return request.id


def preselected_account(client) -> dict:
    """The account the form offers first, as a browser would send it untouched."""
    found = re.search(r'<option selected value="(\d+)">', page(client.get("/dispatch/new")))
    return {"account": found.group(1)} if found else {}


def post(client, photos=(), **overrides):
    data = {**VALID, **preselected_account(client), **overrides}
    data["photos"] = [(BytesIO(content), name) for name, content in photos]
    return client.post("/dispatch/new", data=data, content_type="multipart/form-data")


def count_requests(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(DispatchRequest.id)))


def stored(app, request_id):
    with app.app_context():
        return db.session.scalars(
            select(DispatchPhoto).where(DispatchPhoto.request_id == request_id).options(joinedload(DispatchPhoto.file))
        ).all()


def image_of(app, photo) -> Image.Image:
    """The photo as the database holds it."""
    with app.app_context():
        return Image.open(BytesIO(storage.read(photo.file)))


def change_status(app, request_id, status, comment=""):
    with app.app_context():
        services.change_status(db.session.get(DispatchRequest, request_id), status, comment, None)


# --- filing --------------------------------------------------------------------------------------------------------


def test_new_request_page_shows_the_dispatch_phone_and_prefills_address_and_phone(tenant):
    html = page(tenant.get("/dispatch/new"))
    assert "Аварийно-диспетчерская служба:" in html
    assert 'href="tel:+73952599019"' in html and REQUISITES["dispatch_phone"] in html
    assert f'value="{ADDRESS}"' in html
    assert 'value="+79123456789"' in html
    assert 'enctype="multipart/form-data"' in html
    for label in ("Протечка", "Нет воды", "Нет отопления", "Нет электричества", "Лифт", "Канализация", "Другое"):
        assert label in html


def test_the_company_phone_stands_in_when_the_organization_has_no_dispatch_phone(app, tenant):
    with app.app_context():
        default_organization().dispatch_phone = ""
        db.session.commit()
    assert 'href="tel:+73952599018"' in page(tenant.get("/dispatch/"))


def test_account_id_preselects_one_of_the_tenants_accounts(app, tenant, user):
    parking = make_account(app, "100102", premises="П-3", user_id=user)
    html = page(tenant.get(f"/dispatch/new?account_id={parking}"))
    assert f'<option selected value="{parking}">' in html
    assert 'value="г. Иркутск, ул. Ленина, д. 5, кв. П-3"' in html


def test_file_a_request_gets_a_number_a_history_and_a_place_in_the_list(app, tenant, account):
    response = post(tenant)
    with app.app_context():
        number = db.session.scalar(select(DispatchRequest.id))
    assert response.location == f"/dispatch/{number}"
    shown = tenant.get(response.location)
    assert shows(shown, str(messages.DISPATCH_FILED.text) % {"number": number})
    html = page(shown)
    assert f"Заявка № {number}" in html and "Новая" in html and "Протечка" in html
    assert "после 18:00" in html and "+7 912 345-67-89" in html
    with app.app_context():
        filed = db.session.get(DispatchRequest, int(number))
        assert (filed.account_id, filed.contact_phone, filed.location) == (account, "+79123456789", ADDRESS)
        assert [(e.author, e.status) for e in filed.events] == [("tenant", "new")]
    listed = page(tenant.get("/dispatch/"))
    assert f"Заявка № {number}" in listed and "Новая" in listed


def test_a_common_area_and_an_empty_place_are_both_accepted(app, tenant):
    post(tenant, location="подъезд 2, 5 этаж")
    post(tenant, location="", description="Не работает лифт", category="elevator")
    with app.app_context():
        assert sorted(db.session.scalars(select(DispatchRequest.location))) == [ADDRESS, "подъезд 2, 5 этаж"]


def test_picking_another_account_files_its_address_not_the_prefilled_one(app, tenant, user, account):
    parking = make_account(app, "100102", premises="П-3", user_id=user)
    parking_address = "г. Иркутск, ул. Ленина, д. 5, кв. П-3"
    # The form came with account № 100101 and its address; the tenant picks № 100102 and leaves «Где» as it was.
    shown = tenant.get(post(tenant, account=str(parking), location=ADDRESS).location)
    assert parking_address in page(shown) and f">{ADDRESS}<" not in page(shown)
    post(tenant, account=str(parking), location="подъезд 2, 5 этаж", description="Не работает лифт")
    post(tenant, account=str(account), location=ADDRESS, description="Нет света")
    with app.app_context():
        filed = db.session.execute(
            select(DispatchRequest.account_id, DispatchRequest.location).order_by(DispatchRequest.id)
        )
        assert filed.all() == [(parking, parking_address), (parking, "подъезд 2, 5 этаж"), (account, ADDRESS)]


def test_the_place_follows_the_account_only_while_it_is_an_account_address(app, user, account):
    parking = make_account(app, "100102", premises="П-3", user_id=user)
    with app.app_context():
        flat, garage = db.session.get(Account, account), db.session.get(Account, parking)
        assert services.place(garage, flat.address, [flat, garage]) == garage.address
        assert services.place(garage, garage.address, [flat, garage]) == garage.address
        assert services.place(garage, "подъезд 2", [flat, garage]) == "подъезд 2"
        assert services.place(garage, "", [flat, garage]) == ""  # create() puts the account's address
        assert services.place(None, flat.address, [flat, garage]) == flat.address


def test_the_form_offers_the_addresses_to_its_script_without_inline_code(app, tenant, user):
    make_account(app, "100102", premises="П-3", user_id=user)
    html = page(tenant.get("/dispatch/new"))
    assert re.search(r'<script src="/static/js/dispatch\.js\?v=[0-9a-f]+" defer></script>', html)
    assert "data-addresses=" in html and "кв. П-3" in html
    assert "<script>" not in html


BAD_INPUT = [
    ("category", "", "Выберите, что случилось."),
    ("category", "fire", "Выберите, что случилось, из списка."),
    ("description", "", "Опишите, что случилось."),
    ("description", "   ", "Опишите, что случилось."),
    ("description", "а" * 2001, "Не длиннее 2000 символов."),
    ("location", "д" * 256, "Не длиннее 255 символов."),
    ("contact_phone", "", "Укажите телефон."),
    ("contact_phone", "12345", "Неверный номер телефона."),
    ("contact_phone", "9" * 40, "Слишком длинный номер."),
    ("access_time", "в" * 256, "Не длиннее 255 символов."),
    ("account", "abc", "Выберите лицевой счет из списка."),
    ("account", "999999", "Выберите лицевой счет из списка."),
]


@pytest.mark.parametrize(("field", "value", "error"), BAD_INPUT)
def test_bad_input_is_explained_beside_the_field_and_what_was_typed_is_kept(app, tenant, field, value, error):
    response = post(tenant, **{field: value})
    html = page(response)
    assert response.status_code == 200
    assert error in html and f'id="{field}-errors"' in html
    if field != "description":
        assert VALID["description"] in html
    assert count_requests(app) == 0


def test_another_tenants_account_cannot_be_chosen_nor_preselected(app, tenant, stranger):
    assert tenant.get(f"/dispatch/new?account_id={stranger['account']}").status_code == 404
    assert "Выберите лицевой счет из списка." in page(post(tenant, account=str(stranger["account"])))


def test_a_tenant_without_accounts_must_say_where(app, client, auth, user):
    auth.login()
    assert "Укажите адрес" in page(post(client, location=""))
    response = post(client, location="ул. Ленина, д. 5, подъезд 1")
    assert response.status_code == 302 and count_requests(app) == 1


def test_a_double_click_files_one_request(app, tenant):
    # Both clicks leave with the same cookie, as from a browser whose page has not changed yet.
    cookie = tenant.get_cookie("session").value
    first = post(tenant)
    tenant.set_cookie("session", cookie)
    second = post(tenant)
    assert first.location == second.location
    assert count_requests(app) == 1
    assert shows(tenant.get(second.location), str(messages.DISPATCH_ALREADY_FILED.text) % {"number": 1})


def limited(make_app, login="ivan", **limits):
    """An app with the rate limits on, and a client logged in as a tenant with an account; more tenants by login."""
    app = make_app(RATELIMIT_ENABLED=True, **limits)
    return app, log_in_tenant(app, login)


def log_in_tenant(app, login):
    user_id = make_user(app, login=login, email=f"{login}@example.org")
    make_account(app, str(100101 + user_id), user_id=user_id)
    client = app.test_client()
    assert client.post("/auth/login", data={"login": login, "password": PASSWORD}).status_code == 302
    return client


def too_often(response, message=messages.DISPATCH_TOO_OFTEN) -> bool:
    """Whether the page says to wait (an hour: the limits in these tests are per hour) and answers 429."""
    told = shows(response, str(message.text) % {"wait": "через 1 час"})
    return response.status_code == 429 and told


def test_filing_too_often_brings_the_form_back_with_what_was_typed(make_app):
    app, tenant = limited(make_app, RATELIMIT_SUBMISSIONS="2/hour")
    for n in range(2):
        assert post(tenant, description=f"Течёт стояк, заявка {n}").status_code == 302

    blocked = post(tenant, description="Течёт стояк, третья заявка")

    assert too_often(blocked)
    assert "Течёт стояк, третья заявка" in page(blocked) and 'value="после 18:00"' in page(blocked)
    assert count_requests(app) == 2
    assert post(log_in_tenant(app, "petr")).status_code == 302  # another tenant files as before


def test_filing_is_limited_per_address_too(make_app):
    app, ivan = limited(make_app, RATELIMIT_SUBMISSIONS="5/hour", RATELIMIT_SUBMISSIONS_PER_ADDRESS="2/hour")
    petr = log_in_tenant(app, "petr")  # another login from the same address
    assert post(ivan).status_code == 302 and post(petr, description="Нет света в подъезде").status_code == 302

    assert too_often(post(petr, description="Нет света в подвале"))


# --- photos --------------------------------------------------------------------------------------------------------

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
SCRIPT = b"#!/bin/sh\nrm -rf / --no-preserve-root\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize("content", [ELF, SCRIPT, SVG, jpeg()[:100]], ids=["elf", "script", "svg", "truncated"])
def test_a_file_that_is_not_a_photo_is_refused_and_the_other_fields_are_kept(app, tenant, content):
    html = page(post(tenant, photos=[("IMG_0001.jpg", content)]))
    assert "Файл «IMG_0001.jpg» не является фотографией в формате JPEG или PNG." in html
    assert "Выберите фотографии ещё раз" in html
    assert VALID["description"] in html and 'value="после 18:00"' in html
    assert count_requests(app) == 0


def test_an_image_over_5_mb_is_refused(app, tenant):
    out = BytesIO()
    Image.new("RGB", (1400, 1400)).save(out, "PNG", compress_level=0)  # stored uncompressed: 5.9 MB
    assert out.tell() > 5 * 1024 * 1024
    assert "Файл «big.png» больше 5 МБ." in page(post(tenant, photos=[("big.png", out.getvalue())]))
    assert count_requests(app) == 0


def claiming(image: bytes, width: int, height: int) -> bytes:
    """A small PNG or JPEG whose header claims width × height: its pixels cannot be decoded at that size, so only a
    check made before decoding refuses it for its size (decoding it would find a damaged file, "not a photo")."""
    if image.startswith(b"\x89PNG"):
        header = b"IHDR" + struct.pack(">II", width, height) + image[24:29]
        return image[:12] + header + struct.pack(">I", zlib.crc32(header)) + image[33:]
    frame = image.index(b"\xff\xc0")  # baseline JPEG: marker, length, precision, height, width
    return image[: frame + 5] + struct.pack(">HH", height, width) + image[frame + 9 :]


def blank_png(width, height) -> bytes:
    out = BytesIO()
    Image.new("1", (width, height)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bomb.png", lambda: blank_png(8000, 8000)),  # 64 megapixels in a few kilobytes
        ("screen.png", lambda: claiming(png(), 7746, 7746)),  # 60 MP: decoded whole by the old limit
        ("huge.png", lambda: claiming(png(), 20000, 10000)),  # 200 MP: Pillow's own decompression-bomb error
        ("IMG_108MP.jpg", lambda: claiming(jpeg(), 12000, 9000)),  # a phone's 108 MP mode
        ("IMG_200MP.jpg", lambda: claiming(jpeg(), 16320, 12240)),  # and its 200 MP mode
    ],
)
def test_an_image_over_the_pixel_limit_is_refused_before_it_is_decoded_and_the_text_is_kept(app, tenant, name, content):
    html = page(post(tenant, photos=[(name, content())]))
    assert f"Файл «{name}»: слишком большое изображение." in html
    assert VALID["description"] in html and 'value="после 18:00"' in html
    assert count_requests(app) == 0


def test_a_64_megapixel_phone_photo_is_accepted_and_scaled_down(app, tenant):
    out = BytesIO()
    Image.new("RGB", (9248, 6936), "gray").save(out, "JPEG")  # the full resolution of a 64 MP camera, 1 MB
    response = post(tenant, photos=[("IMG_64MP.jpg", out.getvalue())])
    [photo] = stored(app, int(response.location.rsplit("/", 1)[1]))
    with image_of(app, photo) as clean:
        assert clean.size == (2560, 1920)


def test_more_than_three_photos_are_refused(app, tenant):
    html = page(post(tenant, photos=[(f"{n}.jpg", jpeg()) for n in range(4)]))
    assert "Не больше 3 фотографий." in html and count_requests(app) == 0


def test_a_photo_is_stored_upright_without_exif_in_the_database(app, tenant):
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned; the picture must be rotated 90° to stand upright
    exif[0x010F] = "Spy Camera"  # Make
    exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 17.0, 0.0), 3: "E", 4: (104.0, 18.0, 0.0)})  # GPS
    upload = jpeg(size=(64, 48), exif=exif.tobytes())
    assert Image.open(BytesIO(upload)).getexif()[0x0112] == 6

    response = post(tenant, photos=[("home.jpg", upload), ("plan.png", png())])
    [photo, plan] = stored(app, int(response.location.rsplit("/", 1)[1]))
    assert (photo.file.content_type, plan.file.content_type) == ("image/jpeg", "image/png")
    assert photo.file.name == ""  # the tenant's file name is kept nowhere
    with image_of(app, photo) as clean:
        assert clean.format == "JPEG" and clean.size == (48, 64)
        assert dict(clean.getexif()) == {} and "exif" not in clean.info
    with image_of(app, plan) as clean:
        assert clean.format == "PNG" and clean.size == (40, 30)


def test_a_huge_photo_is_scaled_down(app, tenant):
    response = post(tenant, photos=[("wide.jpg", jpeg(size=(4000, 1000)))])
    [photo] = stored(app, int(response.location.rsplit("/", 1)[1]))
    with image_of(app, photo) as clean:
        assert clean.size == (2560, 640)


def test_a_photo_is_served_to_the_author_only_and_never_cached(app, tenant, stranger):
    response = post(tenant, photos=[("leak.png", png())])
    request_id = int(response.location.rsplit("/", 1)[1])
    [photo] = stored(app, request_id)
    url = f"/dispatch/{request_id}/photos/{photo.id}"
    assert url in page(tenant.get(response.location))

    served = tenant.get(url)
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in served.headers["Cache-Control"] and "private" in served.headers["Cache-Control"]
    assert Image.open(BytesIO(served.data)).size == (40, 30)

    # another tenant's photo, or this one through another request's number
    assert tenant.get(f"/dispatch/{stranger['request']}/photos/{stranger['photo']}").status_code == 404
    assert tenant.get(f"/dispatch/{request_id}/photos/{stranger['photo']}").status_code == 404

    tenant.post("/auth/logout")
    assert tenant.get(url).location.startswith("/auth/login")


# --- access --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", ""), ("post", "/comment"), ("post", "/cancel"), ("post", "/rate")],
)
def test_another_tenants_request_is_not_found(app, tenant, stranger, method, path):
    response = getattr(tenant, method)(f"/dispatch/{stranger['request']}{path}", data={"text": "x", "rating": "5"})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count(DispatchEvent.id))) == 1
        assert db.session.get(DispatchRequest, stranger["request"]).status == "new"


def test_the_list_shows_the_tenants_own_requests_and_their_familys_newest_first(app, tenant, user, account, stranger):
    wife = make_user(app, login="maria", email="maria@example.org", first_name="Мария")
    with app.app_context():
        db.session.add(AccountBinding(user_id=wife, account_id=account, role="resident", method="code_word"))
        db.session.commit()
    older = file_request(app, user, account)
    newer = file_request(app, wife, account, description="Нет горячей воды", category="no_water")
    html = page(tenant.get("/dispatch/"))
    assert html.index(f"Заявка № {newer}") < html.index(f"Заявка № {older}")
    assert f"Заявка № {stranger['request']}" not in html


def test_pages_need_a_login(client):
    for path in ("/dispatch/", "/dispatch/new", "/dispatch/1"):
        assert client.get(path).location.startswith("/auth/login")


def test_tenant_text_is_shown_escaped(app, tenant):
    response = post(tenant, description="<script>alert(1)</script>", location="<b>подъезд</b>")
    tenant.post(f"{response.location}/comment", data={"text": "<img src=x onerror=alert(2)>"})
    for html in (page(tenant.get(response.location)), page(tenant.get("/dispatch/"))):
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<b>подъезд" not in html
    assert "<img src=x" not in page(tenant.get(response.location))


# --- comment, cancel, rate -----------------------------------------------------------------------------------------


def test_comment_goes_into_the_history(app, tenant, user, account):
    request_id = file_request(app, user, account)
    assert "Напишите комментарий." in page(tenant.post(f"/dispatch/{request_id}/comment", data={"text": "  "}))
    too_long = page(tenant.post(f"/dispatch/{request_id}/comment", data={"text": "к" * 2001}))
    assert "Не длиннее 2000 символов." in too_long
    done = tenant.post(
        f"/dispatch/{request_id}/comment", data={"text": "Ключ у соседей в кв. 2"}, follow_redirects=True
    )
    assert shows(done, messages.DISPATCH_COMMENTED) and "Ключ у соседей в кв. 2" in page(done)


def test_commenting_too_often_brings_the_form_back_with_the_comment(make_app):
    app, tenant = limited(make_app, RATELIMIT_SUBMISSIONS="1/hour")
    filed = post(tenant).location  # the requests' own counter
    assert tenant.post(f"{filed}/comment", data={"text": "Ключ у соседей в кв. 2"}).status_code == 302

    blocked = tenant.post(f"{filed}/comment", data={"text": "Вода уже у соседей снизу"})

    assert too_often(blocked, messages.SUBMISSIONS_TOO_OFTEN) and "Вода уже у соседей снизу" in page(blocked)


def test_cancel_takes_two_steps_without_javascript(app, tenant, user, account):
    request_id = file_request(app, user, account)
    html = page(tenant.get(f"/dispatch/{request_id}"))
    step = re.search(r'<details class="cancel-request[^"]*" data-test="cancel">(.*?)</details>', html, re.S)
    assert step, "the cancel button is not behind a disclosure"
    first, rest = step.group(1).split("</summary>")
    assert "Отменить заявку…" in first and "<button" not in first  # the first tap only opens it
    assert "Диспетчерская служба не будет выполнять отменённую заявку." in rest
    assert f'action="/dispatch/{request_id}/cancel"' in rest and ">Да, отменить заявку</button>" in rest
    assert html.count(f"/dispatch/{request_id}/cancel") == 1  # no other way to cancel in one tap


def test_cancel_only_while_new(app, tenant, user, account):
    first = file_request(app, user, account)
    cancelled = tenant.post(f"/dispatch/{first}/cancel", follow_redirects=True)
    assert shows(cancelled, messages.DISPATCH_CANCELLED) and "Отменена" in page(cancelled)
    assert "Отменить заявку" not in page(cancelled) and "Добавить комментарий" not in page(cancelled)
    again = tenant.post(f"/dispatch/{first}/comment", data={"text": "ещё"}, follow_redirects=True)
    assert shows(again, messages.DISPATCH_COMMENTS_CLOSED)

    second = file_request(app, user, account, description="Нет света в подъезде", category="no_electricity")
    assert "Отменить заявку" in page(tenant.get(f"/dispatch/{second}"))
    change_status(app, second, "in_progress")
    assert "Отменить заявку" not in page(tenant.get(f"/dispatch/{second}"))
    refused = tenant.post(f"/dispatch/{second}/cancel", follow_redirects=True)
    assert shows(refused, messages.DISPATCH_NOT_CANCELLED) and "В работе" in page(refused)


def test_rate_only_when_done_and_once(app, tenant, user, account):
    request_id = file_request(app, user, account)
    url = f"/dispatch/{request_id}/rate"
    assert "Оценка работы" not in page(tenant.get(f"/dispatch/{request_id}"))
    assert shows(tenant.post(url, data={"rating": "5"}, follow_redirects=True), messages.DISPATCH_NOT_RATED)

    change_status(app, request_id, "done", "Заменили прокладку")
    assert "Оценка работы" in page(tenant.get(f"/dispatch/{request_id}"))
    for bad in ("", "0", "6", "пять"):
        assert "Выберите оценку от 1 до 5." in page(tenant.post(url, data={"rating": bad}))
    assert "Не длиннее 1000 символов." in page(tenant.post(url, data={"rating": "4", "comment": "о" * 1001}))

    rated = tenant.post(url, data={"rating": "4", "comment": "Быстро, но наследили"}, follow_redirects=True)
    assert shows(rated, messages.DISPATCH_RATED)
    assert 'Ваша оценка: <span data-test="mark">4 из 5 — «Хорошо»</span>' in page(rated)
    assert "Быстро, но наследили" in page(rated) and "Оценить" not in page(rated)
    assert shows(tenant.post(url, data={"rating": "1"}, follow_redirects=True), messages.DISPATCH_NOT_RATED)
    with app.app_context():
        assert db.session.get(DispatchRequest, request_id).rating == 4


# --- the staff's rule ----------------------------------------------------------------------------------------------


def test_every_status_change_is_recorded_and_emailed_to_the_author(app, user, account, mailbox, deliver):
    request_id = file_request(app, user, account, location="<подвал>")
    staff = make_user(app, login="dispatcher", email="staff@example.org")
    with app.app_context():
        filed = db.session.get(DispatchRequest, request_id)
        services.change_status(filed, "in_progress", "Бригада выехала", db.session.get(User, staff))
        with pytest.raises(ValueError):
            services.change_status(filed, "in_progress", "", None)
        with pytest.raises(ValueError):
            services.change_status(filed, "lost", "", None)
        services.change_status(filed, "done", "", None)
        history = [(e.author, e.status, e.text, e.user_id) for e in filed.events]
    assert history == [
        ("tenant", "new", "", user),
        ("staff", "in_progress", "Бригада выехала", staff),
        ("staff", "done", "", None),
    ]
    deliver()
    [working, done] = mailbox.to("ivan@example.org")
    assert working["Subject"] == f"УК «Наш дом»: Заявка № {request_id} — В работе"
    assert done["Subject"] == f"УК «Наш дом»: Заявка № {request_id} — Выполнена"
    body = text_of(working)
    assert "Комментарий диспетчера: Бригада выехала" in body
    assert f"http://localhost/dispatch/{request_id}" in body
    assert "&lt;подвал&gt;" in working.get_body(("html",)).get_content()


# --- bounded queries -----------------------------------------------------------------------------------------------


def _history(app, user, account, label: str, requests: int, first: date, months: int):
    add_history(app, account, first, months)
    photos = [photo_of(png())]
    ids = [file_request(app, user, account, description=f"{label} {n}", photos=photos) for n in range(requests)]
    for request_id in ids:
        change_status(app, request_id, "in_progress", "Принято")
        change_status(app, request_id, "done", "Сделано")
    return ids


def _count(app, client, path):
    client.get(path)  # warm the session and the templates
    with queries(app) as counted:
        assert client.get(path).status_code == 200
    return counted.count


def test_the_pages_run_as_many_queries_for_ten_years_as_for_one_month(app, tenant, user, account):
    [one] = _history(app, user, account, "Первая", requests=1, first=date(2026, 1, 1), months=1)
    small = (_count(app, tenant, "/dispatch/"), _count(app, tenant, f"/dispatch/{one}"))

    many = _history(app, user, account, "Ещё", requests=30, first=date(2015, 1, 1), months=120)
    for n in range(10):
        tenant.post(f"/dispatch/{many[-1]}/comment", data={"text": f"Комментарий {n}"})
    large = (_count(app, tenant, "/dispatch/"), _count(app, tenant, f"/dispatch/{many[-1]}"))
    assert small == large
