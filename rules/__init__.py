"""The law the procedure applies, as data: which articles each problem violates and under which one it is
punished, with the fine ranges. Pure Python; imports nothing from engine/, forms/ or webapp/ so that every
layer (forms, documents, tests) reads the same table."""
