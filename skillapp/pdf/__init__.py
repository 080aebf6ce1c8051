"""PDF documents rendered with reportlab: pure functions, data in, bytes out.

Nothing here imports Flask or touches the database; views gather the data,
call a function of this package and wrap the bytes in ``send_file``.
"""
