"""Notes on a case (办理意见/备注): any department that can see a case writes one; a head may @ colleagues
of the own department. tables.py (case_note), service.py (add: row + audit event + notifications),
forms.py (the case page's form), routes.py (the post, on the cases blueprint)."""
