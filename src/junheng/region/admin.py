from django.contrib import admin

from junheng.region import models


@admin.register(models.County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(models.School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "urban_rural", "county")
    list_filter = ("level", "urban_rural", "county")
    search_fields = ("code", "name")


@admin.register(models.Teacher)
class TeacherAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "school", "subject", "qualification", "backbone_level")
    list_filter = ("subject", "backbone_level", "qualification")
    search_fields = ("code", "name")
    list_select_related = ("school",)
    raw_id_fields = ("school",)


@admin.register(models.Student)
class StudentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "school", "grade", "gender")
    list_filter = ("grade", "migrant", "left_behind")
    search_fields = ("code",)
    list_select_related = ("school",)
    raw_id_fields = ("school", "school_class")


admin.site.register(models.Term)
admin.site.register(models.SchoolClass)
admin.site.register(models.TimeSlot)
