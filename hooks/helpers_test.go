package hooks_test

import "circly/hooks"

func hooksCredentials(deviceId, secret string) hooks.DeviceCredentials {
	return hooks.DeviceCredentials{DeviceId: deviceId, DeviceSecret: secret}
}
