from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import my_data, oidc, two_factor, views

app_name = "accounts"

urlpatterns = [
    path("sign-up/", views.sign_up, name="sign-up"),
    path("sign-up/check-your-email/", views.sign_up_done, name="sign-up-done"),
    path("confirm/<str:token>/", views.confirm_email, name="confirm-email"),
    path("confirm-again/", views.resend_confirmation, name="resend-confirmation"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", oidc.LogoutView.as_view(), name="logout"),
    path("signed-out/", oidc.signed_out, name="signed-out"),
    path("sign-in/callback/", oidc.SignInCallbackView.as_view(), name="sign-in-callback"),
    path("sign-in/<slug:provider>/", oidc.SignInStartView.as_view(), name="sign-in"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html",
            success_url=reverse_lazy("accounts:password-change-done"),
        ),
        name="password-change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password-change-done",
    ),
    path(
        "password/reset/",
        views.PasswordResetView.as_view(),
        name="password-reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password-reset-done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password-reset-complete",
    ),
    path("two-step/", two_factor.setup, name="two-step-setup"),
    path("two-step/setup/email-link/", two_factor.setup_link_send, name="two-step-setup-link-send"),
    path("two-step/setup/link/", two_factor.setup_link_open, name="two-step-setup-link"),
    path("two-step/verify/", two_factor.verify, name="two-step-verify"),
    path("two-step/backup-codes/", two_factor.backup_codes, name="two-step-backup-codes"),
    path("profile/", views.profile, name="profile"),
    path("my-data/", my_data.my_data, name="my-data"),
    path("my-data/download/", my_data.download, name="my-data-download"),
    path("my-data/erase/", my_data.erase, name="erase"),
    path("my-mentoring/", views.my_mentoring, name="my-mentoring"),
    path("email-settings/", views.email_settings, name="email-settings"),
]
