package auth

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/request"
)

// The account continuity routes (API.md §11).
const (
	TransferPath       = "/api/circly/auth/transfer"
	TransferRedeemPath = "/api/circly/auth/transfer/redeem"
	RecoveryPath       = "/api/circly/auth/recovery"
	RecoverPath        = "/api/circly/auth/recover"
)

// Body keys of the continuity routes (device_id and device_secret are
// DeviceCredentials').
const (
	bodyCode         = "code"
	bodyRecoveryCode = "recovery_code"
	bodyDeviceId     = "device_id"
	bodyDeviceSecret = "device_secret"
)

// RedeemRequest is the body of a transfer redeem.
type RedeemRequest struct {
	Code         string `json:"code" form:"code"`
	DeviceId     string `json:"device_id" form:"device_id"`
	DeviceSecret string `json:"device_secret" form:"device_secret"`
}

// RecoverRequest is the body of a recovery.
type RecoverRequest struct {
	RecoveryCode string `json:"recovery_code" form:"recovery_code"`
	DeviceId     string `json:"device_id" form:"device_id"`
	DeviceSecret string `json:"device_secret" form:"device_secret"`
}

func (s *Service) registerContinuity(app core.App) {
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		e.Router.POST(TransferPath, s.handleNewTransferCode)
		e.Router.POST(TransferRedeemPath, s.handleRedeem)
		e.Router.POST(RecoveryPath, s.handleNewRecoveryCode)
		e.Router.POST(RecoverPath, s.handleRecover)
		return e.Next()
	})
}

// handleNewTransferCode answers {code, expires_at}: a new transfer code of
// the signed-in user (the one before stops working).
func (s *Service) handleNewTransferCode(e *core.RequestEvent) error {
	user, err := request.RequireUser(e)
	if err != nil {
		return err
	}
	if err := onlyKeys(e); err != nil {
		return err
	}
	code, expiresAt, err := s.NewTransferCode(e.App, user.Id)
	if err != nil {
		return apiError(e, err)
	}
	return e.JSON(http.StatusOK, map[string]any{"code": code, "expires_at": expiresAt})
}

// handleNewRecoveryCode answers {recovery_code}: a new recovery code of the
// signed-in user (the one before stops working). It is never shown again.
func (s *Service) handleNewRecoveryCode(e *core.RequestEvent) error {
	user, err := request.RequireUser(e)
	if err != nil {
		return err
	}
	if err := onlyKeys(e); err != nil {
		return err
	}
	code, err := s.NewRecoveryCode(e.App, user.Id)
	if err != nil {
		return apiError(e, err)
	}
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.JSON(http.StatusOK, map[string]any{"recovery_code": code})
}

// handleRedeem moves the transfer code's account onto the calling device.
func (s *Service) handleRedeem(e *core.RequestEvent) error {
	if err := request.Read(e); err != nil {
		return err
	}
	if err := onlyKeys(e, bodyCode, bodyDeviceId, bodyDeviceSecret); err != nil {
		return err
	}
	var body RedeemRequest
	if err := e.BindBody(&body); err != nil {
		return e.BadRequestError("The request body is not valid.", err)
	}
	if err := validateMove(bodyCode, body.Code, DeviceCredentials{body.DeviceId, body.DeviceSecret}); err != nil {
		return e.BadRequestError("Invalid transfer request.", err)
	}
	return s.move(e, collections.CodeKindTransfer, body.Code, DeviceCredentials{body.DeviceId, body.DeviceSecret})
}

// handleRecover moves the recovery code's account onto the calling device.
func (s *Service) handleRecover(e *core.RequestEvent) error {
	if err := request.Read(e); err != nil {
		return err
	}
	if err := onlyKeys(e, bodyRecoveryCode, bodyDeviceId, bodyDeviceSecret); err != nil {
		return err
	}
	var body RecoverRequest
	if err := e.BindBody(&body); err != nil {
		return e.BadRequestError("The request body is not valid.", err)
	}
	if err := validateMove(bodyRecoveryCode, body.RecoveryCode, DeviceCredentials{body.DeviceId, body.DeviceSecret}); err != nil {
		return e.BadRequestError("Invalid recovery request.", err)
	}
	return s.move(e, collections.CodeKindRecovery, body.RecoveryCode, DeviceCredentials{body.DeviceId, body.DeviceSecret})
}

// move applies the per-code limit, moves the account and answers like the
// device login (the SDK keeps the answer with pb.authStore.save). The old
// phone's realtime connection needs nothing here: PocketBase signs out a
// connection whose auth record's token key changed.
func (s *Service) move(e *core.RequestEvent, kind, code string, dev DeviceCredentials) error {
	normalized := NormalizeCode(code)
	ok, retryAfter, err := s.AllowCodeAttempt(kind, normalized)
	if err != nil {
		return apiError(e, err)
	}
	if !ok {
		e.Response.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retryAfter.Seconds()))))
		return apiError(e, ErrTooManyCodeAttempts)
	}

	user, err := s.MoveAccount(e.App, kind, normalized, dev)
	if err != nil {
		return apiError(e, err)
	}
	return apis.RecordAuthResponse(e, user.Record, kind, map[string]any{"created": false})
}

// validateMove checks the shape of a redeem or recover body: the code is
// required (its value is checked against the stored hashes, not here), the
// device credentials are checked as in the device login.
func validateMove(codeKey, code string, dev DeviceCredentials) error {
	errs := validation.Errors{}
	if strings.TrimSpace(code) == "" {
		errs[codeKey] = validation.NewError("validation_required", "Cannot be blank.")
	} else if len(code) > 100 {
		errs[codeKey] = validation.NewError("validation_length_too_long", "The length must be no more than 100.")
	}
	if err := dev.Validate(); err != nil {
		if deviceErrs, ok := err.(validation.Errors); ok {
			for k, v := range deviceErrs {
				errs[k] = v
			}
		} else {
			return err
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// onlyKeys refuses a body with keys outside allowed (for everyone, unlike
// request.OnlyBodyKeys, which is about record fields and lets superusers
// through): a misspelt key is a 400 that names it, not a silent default.
func onlyKeys(e *core.RequestEvent, allowed ...string) error {
	info, err := e.RequestInfo()
	if err != nil {
		return e.BadRequestError("The request body is not valid.", err)
	}
	errs := validation.Errors{}
	for key := range info.Body {
		if !slices.Contains(allowed, key) {
			errs[strings.ToValidUTF8(key, "\uFFFD")] = validation.NewError("validation_unknown_field", "This route does not take this field.")
		}
	}
	if len(errs) > 0 {
		return e.BadRequestError("The request body has fields this route does not take.", errs)
	}
	return nil
}
