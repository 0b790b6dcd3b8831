// cdktf jest matchers (toHaveResource, ...)
require('cdktf').Testing.setupJest();
