app_name = "reset"

urlpatterns: list = []
