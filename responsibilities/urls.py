app_name = "responsibilities"

urlpatterns = []
