//! FC's 2021-04-06 and 2023-03-30 APIs over raw HTTP.
