//! ONDE (Base Élèves) CSV exports: pupils, legal guardians and teachers.
