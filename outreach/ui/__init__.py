"""The Qt desktop app. The only package that imports Qt (see DESIGN.md §1).

``app.py`` wires everything once; ``main_window.py`` holds menus and docks; ``views/`` has one screen
per module, ``models/`` Qt item models over the services, ``dialogs/`` the forms; ``workers.py`` runs
every database call on one background thread; ``undo.py`` turns edits into undoable commands.
"""
