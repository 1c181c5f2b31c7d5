"""Branded error pages: the site header, a sentence in the user's language and a way back."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_404_is_the_sites_own_page_in_chinese_with_a_way_back(client: Client) -> None:
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-testid="error-page"' in html
    assert "页面不存在" in html and "返回首页" in html
    assert 'class="brand"' in html  # the site header
    assert "Not Found" not in html


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_403_names_the_refusal_and_offers_home(client: Client, django_user_model: type) -> None:
    from junheng.accounts.models import Role

    user = django_user_model.objects.create_user("p403", password="x", role=Role.PARENT)
    client.force_login(user)
    from django.urls import reverse

    response = client.get(reverse("afterschool:vetting"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 403
    html = response.content.decode()
    assert "无权访问" in html and "返回首页" in html
    assert "403 Forbidden" not in html


def test_500_page_stands_alone_without_a_request_context() -> None:
    from django.template import loader

    html = loader.get_template("500.html").render({})
    assert "系统出错" in html and 'href="/"' in html
