"""Models of the after-school course supermarket (课后服务"超市"), part 1.

- providers: off-campus providers, their staff, documents, instructors and the vetting history
  (白名单 with expiry);
- courses: courses proposed by providers (or run by a school's own teachers), their photos and
  review history;
- supply: the bureau's balanced-supply runs and their placements (course × school × sections);
- menus: offerings (course × school × weekly slot × seats), course requests from schools,
  the schools' after-school slots and their published term menus.
"""

from junheng.afterschool.models.courses import (
    Category,
    Course,
    CourseEvent,
    CoursePhoto,
    CourseStatus,
)
from junheng.afterschool.models.menus import (
    CourseRequest,
    Menu,
    MenuStatus,
    Offering,
    OfferingSource,
    OfferingStatus,
    RequestStatus,
    SchoolSlot,
)
from junheng.afterschool.models.providers import (
    DocumentKind,
    Instructor,
    OrgType,
    Provider,
    ProviderDocument,
    ProviderStaff,
    ProviderStatus,
    VettingEvent,
)
from junheng.afterschool.models.supply import PlacementStatus, RunStatus, SupplyPlacement, SupplyRun

__all__ = [
    "Category",
    "Course",
    "CourseEvent",
    "CoursePhoto",
    "CourseRequest",
    "CourseStatus",
    "DocumentKind",
    "Instructor",
    "Menu",
    "MenuStatus",
    "Offering",
    "OfferingSource",
    "OfferingStatus",
    "OrgType",
    "PlacementStatus",
    "Provider",
    "ProviderDocument",
    "ProviderStaff",
    "ProviderStatus",
    "RequestStatus",
    "RunStatus",
    "SchoolSlot",
    "SupplyPlacement",
    "SupplyRun",
    "VettingEvent",
]
