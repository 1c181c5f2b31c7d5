from django.urls import path

from junheng.afterschool import views

app_name = "afterschool"
urlpatterns = [
    # public
    path("providers/", views.public_providers, name="public_providers"),
    path("register/", views.register, name="register"),
    # files, permission-checked
    path("documents/<int:document_id>/", views.document_file, name="document_file"),
    path("photos/<int:photo_id>/", views.photo_file, name="photo_file"),
    path(
        "instructors/<int:instructor_id>/certificate/",
        views.instructor_certificate,
        name="instructor_certificate",
    ),
    # provider
    path("my/", views.my_application, name="my_application"),
    path("my/submit/", views.my_submit, name="my_submit"),
    path("my/documents/", views.my_document_add, name="my_document_add"),
    path("my/instructors/", views.my_instructor_add, name="my_instructor_add"),
    path("my/courses/new/", views.course_new, name="course_new"),
    path("my/courses/<int:course_id>/", views.my_course_act, name="my_course_act"),
    path("my/requests/", views.provider_requests, name="provider_requests"),
    path("my/requests/<int:request_id>/", views.provider_request_act, name="provider_request_act"),
    # bureau
    path("vetting/", views.vetting_list, name="vetting"),
    path("vetting/<int:provider_id>/", views.vetting_detail, name="vetting_detail"),
    path("vetting/<int:provider_id>/act/", views.vetting_act, name="vetting_act"),
    path("courses/review/", views.course_review_list, name="course_review"),
    path("courses/<int:course_id>/review/", views.course_review_act, name="course_review_act"),
    path("supply/", views.supply_list, name="supply"),
    path("supply/<int:run_id>/", views.supply_detail, name="supply_detail"),
    path("supply/<int:run_id>/progress/", views.supply_progress, name="supply_progress"),
    path("supply/<int:run_id>/rerun/", views.supply_rerun, name="supply_rerun"),
    path("supply/<int:run_id>/publish/", views.supply_publish, name="supply_publish"),
    path("placements/<int:placement_id>/", views.placement_act, name="placement_act"),
    # school
    path("menu/", views.school_menu, name="school_menu"),
    path("menu/publish/", views.school_publish_menu, name="school_publish_menu"),
    path("menu/slots/", views.school_slots, name="school_slots"),
    path(
        "menu/offerings/<int:offering_id>/", views.school_offering_act, name="school_offering_act"
    ),
    path(
        "menu/offerings/<int:offering_id>/cancel/",
        views.school_offering_cancel,
        name="school_offering_cancel",
    ),
    path("menu/requests/new/", views.school_request_new, name="school_request_new"),
    path("menu/requests/<int:request_id>/", views.school_request_act, name="school_request_act"),
    path("menu/courses/new/", views.school_course_new, name="school_course_new"),
    # parent
    path("children/", views.parent_menus, name="parent_menus"),
]
