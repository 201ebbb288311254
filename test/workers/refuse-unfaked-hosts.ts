import { refuseOutsideCalls } from "../fakes/fake-service";

refuseOutsideCalls();
