"""事業所の削除 through the pages: owners only; the page says what goes and asks for the
office's name; a wrong name or a missing token deletes nothing; afterwards the owner works
in another office of theirs, or, with none left, gets the page that offers to make one."""
from sqlmodel import select

from portal.models import Account, Office
from portal.models.vocabulary import Role
from tests.support.html_forms import csrf_from
from tests.support.team import join_as, memberships

PAGE = "/office/delete"


def test_only_an_owner_reaches_it_and_a_wrong_name_deletes_nothing(app, auth, db):
    auth.signup()
    page = auth.client.get(PAGE)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "事業所「山田商店」を削除します。元に戻せません。" in text and "メンバー 1人" in text
    assert f'href="{PAGE}"' in auth.client.get("/").get_data(as_text=True)  # in the office menu
    admin = join_as(app, auth, "admin@example.jp", "admin")
    assert admin.client.get(PAGE).status_code == 403
    assert f'href="{PAGE}"' not in admin.client.get("/").get_data(as_text=True)
    assert admin.post(PAGE, {"name": "山田商店"}).status_code == 403

    assert auth.client.post(PAGE, data={"name": "山田商店"}).status_code == 400  # no CSRF token
    wrong = auth.client.post(PAGE, data={"csrf_token": csrf_from(text), "name": "山田"})
    assert wrong.status_code == 400 and "事業所名が違います" in wrong.get_data(as_text=True)
    assert memberships(db, "owner@example.jp") == [("山田商店", Role.OWNER)]


def test_the_owner_goes_on_in_another_office_and_members_are_signed_out(app, auth, db):
    auth.signup()
    assert auth.post("/offices/new", {"name": "鈴木会計"}).status_code == 303  # now works there
    bob = join_as(app, auth, "bob@example.jp", "bookkeeper")
    with db() as s:
        office_id = s.exec(select(Office.id).where(Office.name == "鈴木会計")).one()
    text = auth.client.get(PAGE).get_data(as_text=True)
    assert "事業所「鈴木会計」を削除します" in text and "メンバー 2人" in text
    done = auth.client.post(PAGE, data={"csrf_token": csrf_from(text), "name": "鈴木会計"})
    assert done.status_code == 303 and done.headers["Location"] == "/"
    home = auth.client.get("/").get_data(as_text=True)
    assert "事業所「鈴木会計」を削除しました。" in home and "山田商店" in home
    assert memberships(db, "owner@example.jp") == [("山田商店", Role.OWNER)]
    assert bob.client.get("/").status_code == 302  # signed out, and a member of no office
    with db() as s:
        assert s.get(Office, office_id) is None
        assert not s.exec(select(Account).where(Account.office_id == office_id)).all()


def test_deleting_the_only_office_leaves_the_owner_to_make_one(app, auth, db):
    auth.signup()
    text = auth.client.get(PAGE).get_data(as_text=True)
    done = auth.client.post(PAGE, data={"csrf_token": csrf_from(text), "name": "山田商店"})
    assert done.status_code == 303 and done.headers["Location"] == "/login/no-office"
    held = auth.client.get("/login/no-office").get_data(as_text=True)
    assert "事業所「山田商店」を削除しました。" in held and "所属している事業所がありません" in held
    assert memberships(db, "owner@example.jp") == []
    assert auth.client.get("/").status_code == 302
