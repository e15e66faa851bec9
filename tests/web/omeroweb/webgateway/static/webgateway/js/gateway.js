var gateway = "stand-in";
