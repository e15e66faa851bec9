// db_script_test.cpp - OMERO's password hash against the reference's vectors.
#include "db_script.hpp"

#include <gtest/gtest.h>

using namespace omero::db;

TEST(Password, ReferenceVectors) {
    EXPECT_EQ(password_hash("ome", 0, false), "vvFwuczAmpyoRC0Nsv8FCw==");
    EXPECT_EQ(password_hash("omero", 0, true), "kYMkc9SyhupHyJP1Cl2Alg==");
    EXPECT_EQ(password_hash("", 0, true), "");
}
