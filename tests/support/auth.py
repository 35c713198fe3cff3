"""A Flask test client acting as one user: sign up, log in, post with the page's CSRF token."""
from tests.support.html_forms import csrf_from


class Auth:
    def __init__(self, client):
        self.client = client

    def token(self, path: str = "/login") -> str:
        return csrf_from(self.client.get(path).get_data(as_text=True))

    def signup(self, email="owner@example.jp", password="correct horse 1", office="山田商店"):
        return self.client.post("/signup", data={
            "csrf_token": self.token("/signup"), "office_name": office, "email": email,
            "password": password, "confirm": password})

    def login(self, email="owner@example.jp", password="correct horse 1"):
        return self.client.post("/login", data={
            "csrf_token": self.token(), "email": email, "password": password})

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.token("/")})

    def post(self, path, data=None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token("/"))
        return self.client.post(path, data=data, **kw)
