// create_script_test.cpp - OMERO's password hash against the reference's vectors.
#include "migrate/create_script.hpp"

#include <gtest/gtest.h>

using namespace omero::migrate;

TEST(Password, ReferenceVectors) {
    EXPECT_EQ(password_hash("ome", 0, false), "vvFwuczAmpyoRC0Nsv8FCw==");
    EXPECT_EQ(password_hash("omero", 0, true), "kYMkc9SyhupHyJP1Cl2Alg==");
    EXPECT_EQ(password_hash("", 0, true), "");
}
